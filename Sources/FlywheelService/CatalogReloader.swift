import FlywheelSignals
import Hummingbird
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the model catalog of a running service (SIGHUP, `POST /v1/admin/reload`): reads the file the pipeline
/// names (`enrich.model_catalog`) again and, when it is valid, puts it in force for the batches the job takes
/// from then on. A bad catalog is refused with the reason and the one in force stays. Each reload is counted
/// in `ServiceStatus.catalogReloads` and reported through `notice`.
final class CatalogReloader: Sendable {
    /// The catalog file; nil when the pipeline names none (a reload is then refused).
    let path: String?
    /// The catalog the operators read; nil when the pipeline names none.
    let live: LiveModelCatalog?
    private let status: ServiceStatus
    private let notice: @Sendable (String) -> Void
    /// Reloads run one at a time, so that the last file read is the one in force.
    private let serial = Mutex(())

    init(path: String?, catalog: ModelCatalog?, status: ServiceStatus, notice: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.live = catalog.map(LiveModelCatalog.init)
        self.status = status
        self.notice = notice
    }

    /// Reads the catalog file again and puts it in force, or throws why not (`noCatalog`, `invalidCatalog`).
    /// `trigger` names what asked (for the notice).
    @discardableResult
    func reload(trigger: String) throws(ServiceError) -> ModelCatalog {
        do throws(ServiceError) {
            let catalog = try serial.withLock { _ throws(ServiceError) in try loadAndReplace() }
            status.catalogReloaded(failure: nil)
            notice(
                "model catalog reloaded (\(trigger)): \(path ?? "") with \(catalog.models.count) models, in force "
                    + "for the events the pipeline reads from now on")
            return catalog
        } catch {
            status.catalogReloaded(failure: error.message)
            notice("model catalog reload (\(trigger)) refused, the previous catalog stays in force: \(error.message)")
            throw error
        }
    }

    private func loadAndReplace() throws(ServiceError) -> ModelCatalog {
        guard let path, let live else {
            throw ServiceError(
                .noCatalog,
                "the pipeline names no model catalog (enrich.model_catalog), so there is none to reload: add one to "
                    + "the pipeline file and restart the service")
        }
        let catalog: ModelCatalog
        do throws(PipelineError) {
            catalog = try ModelCatalog.load(path: path)
        } catch {
            throw ServiceError(.invalidCatalog, "the model catalog is not valid: \(error.description)", cause: error)
        }
        live.replace(with: catalog)
        return catalog
    }
}

/// `POST /v1/admin/reload`: reloads the model catalog. 200 with the catalog's path and model count; 422 for a
/// bad catalog, 409 when the pipeline names none, each with the reason (the catalog in force stays).
struct ReloadEndpoint: Sendable {
    let reloader: CatalogReloader
    let status: ServiceStatus

    func handle(_ request: Request) async -> Response {
        do throws(ServiceError) {
            let catalog = try reloader.reload(trigger: "POST /v1/admin/reload")
            return EventsEndpoint.json(
                .ok,
                Reloaded(
                    catalog: reloader.path ?? "", models: catalog.models.count,
                    reloads: status.catalogReloads.succeeded))
        } catch {
            let code: HTTPResponse.Status = error.code == .noCatalog ? .conflict : .unprocessableContent
            return EventsEndpoint.json(code, ErrorBody(error: error.message, code: error.code.description))
        }
    }

    /// The 200 body.
    struct Reloaded: Codable, Sendable {
        var catalog: String
        var models: Int
        /// Successful reloads since the service started.
        var reloads: Int
    }
}

/// Reloads the model catalog on each SIGHUP until the service stops; a refused reload is reported through the
/// reloader's `notice` (there is no one else to tell).
struct ReloadOnHangup: Service {
    let reloader: CatalogReloader

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = try? reloader.reload(trigger: "SIGHUP")
        }
    }
}
