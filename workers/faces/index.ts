export { alignFace, arcfaceTemplate, dlibTemplate, type AlignedFace, type Landmarks5 } from './align';
export { detectFaces, detectLandmarks, detectorInputScale, iou, toLandmarks5, DETECTOR_SIZE, type Box, type DetectedFace, type DetectOptions } from './detect';
export { cosineSimilarity, embedFace, embedFaces, l2Normalize, EMBEDDER_INPUT_SIZE, EMBEDDING_DIM } from './embed';
export { superResolve, superResolutionModelId, type NativeScale } from './superResolve';
