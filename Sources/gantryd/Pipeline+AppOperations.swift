import GantryPipeline
import GantryServer

/// The pipeline deploys rollbacks, config changes, scaling and restarts for the HTTP door.
extension Pipeline: AppOperations {}
