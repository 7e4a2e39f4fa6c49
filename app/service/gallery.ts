import { folderEnrolments, getPerson, listPeople, renamePerson, setPersonStatus, type GalleryPerson } from '../../core/identify/gallery';
import type { galleryChannels, PersonView } from '../contract/gallery';
import { derivedRef, type FeatureHandlers, type ServiceContext } from './context';

export function personView(p: GalleryPerson): PersonView {
  return { ...p, references: p.references.map((r) => ({ ...r, media: { photo: derivedRef(r.imageSha256), chip: derivedRef(r.chipSha256), thumb: derivedRef(r.thumbSha256) } })) };
}

export function galleryHandlers(s: ServiceContext): FeatureHandlers<keyof typeof galleryChannels> {
  return {
    'gallery:list': (i) => listPeople(s.requireCase().handle, { includeRetired: i.includeRetired ?? true }).map(personView),
    'gallery:enrol': (i) => {
      const { jobs } = s.requireCase();
      return i.paths.map((p) => jobs.enqueue('enrol', { path: p, person: i.person, note: i.note ?? null, ...(i.faceIndex !== undefined ? { faceIndex: i.faceIndex } : {}) }));
    },
    'gallery:importFolder': (i) => {
      const { jobs } = s.requireCase();
      const { items, skipped } = folderEnrolments(i.folder);
      return { jobs: items.map((it) => jobs.enqueue('enrol', { path: it.path, person: it.person })), people: new Set(items.map((x) => x.person)).size, skipped };
    },
    'gallery:rename': (i) => personView(renamePerson(s.requireCase().handle, i.personId, i.name, i.reason)),
    'gallery:retire': (i) => personView(setPersonStatus(s.requireCase().handle, i.personId, 'retired', i.reason)),
    'gallery:reinstate': (i) => {
      getPerson(s.requireCase().handle, i.personId);
      return personView(setPersonStatus(s.requireCase().handle, i.personId, 'active', i.reason));
    },
  };
}
