export {
  configureInference,
  getInferenceConfig,
  loadModel,
  ModelHashMismatchError,
  ModelMissingError,
  releaseAll,
  runModel,
  verifyModelFile,
  type ExecutionProvider,
  type InferenceConfig,
  type LoadedModel,
} from './session';
