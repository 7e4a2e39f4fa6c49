/** The gallery of known people: enrolment from reference photos, renaming and retiring (audited). */
import { z } from 'zod';
import type { GalleryPerson, GalleryReference } from '../../core/identify/gallery';
import type { Job } from '../../core/jobs';
import { channel, FilePath, Id, type MediaRef } from './channel';

export type { GalleryPerson, GalleryReference };

export interface ReferenceView extends GalleryReference {
  readonly media: { readonly photo: MediaRef; readonly chip: MediaRef; readonly thumb: MediaRef };
}

export interface PersonView extends Omit<GalleryPerson, 'references'> {
  readonly references: ReferenceView[];
}

const Reason = z.string().trim().min(1).max(500);

export const galleryChannels = {
  /** Everyone in the gallery (retired people too, marked), with their references and history. */
  'gallery:list': channel<PersonView[]>()(z.object({ includeRetired: z.boolean().optional() }).strict()),
  /**
   * Enrol photos of one person (new or existing, by name): one `enrol` job per photo; each is checked (a face,
   * one face or `faceIndex`, large and good enough, not already enrolled) before anything is imported.
   */
  'gallery:enrol': channel<Job[]>()(
    z
      .object({
        paths: z.array(FilePath).min(1).max(500),
        person: z.string().max(1000),
        note: z.string().max(5000).optional(),
        faceIndex: z.number().int().nonnegative().optional(),
      })
      .strict(),
  ),
  /** Enrol every photo of a folder with one sub-folder per person (the sub-folder's name is the person's). */
  'gallery:importFolder': channel<{ jobs: Job[]; people: number; skipped: string[] }>()(z.object({ folder: FilePath }).strict()),
  'gallery:rename': channel<PersonView>()(z.object({ personId: Id, name: z.string().max(1000), reason: Reason }).strict()),
  'gallery:retire': channel<PersonView>()(z.object({ personId: Id, reason: Reason }).strict()),
  'gallery:reinstate': channel<PersonView>()(z.object({ personId: Id, reason: Reason }).strict()),
} as const;
