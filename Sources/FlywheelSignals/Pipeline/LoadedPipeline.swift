/// A pipeline ready to run: its configuration and, when it names one, its model catalog.
public struct LoadedPipeline: Sendable {
    public var config: PipelineConfig
    public var catalog: ModelCatalog?

    public init(config: PipelineConfig, catalog: ModelCatalog?) {
        self.config = config
        self.catalog = catalog
    }

    /// Loads the pipeline file at `path` (nil: the built-in default pipeline) and its catalog.
    public static func load(path: String?) throws(PipelineError) -> LoadedPipeline {
        let config = try path.map { (p: String) throws(PipelineError) in try PipelineConfig.load(path: p) } ?? .default
        let catalog = try config.modelCatalogPath.map { (p: String) throws(PipelineError) in
            try ModelCatalog.load(path: p)
        }
        return LoadedPipeline(config: config, catalog: catalog)
    }
}
