import CRdkafka
import Synchronization

/// A change of a group member's partitions, handed to `KafkaConsumer`'s `onRebalance` during `poll`.
public enum KafkaRebalance: Sendable, Equatable {
    /// The group gave these partitions to this member (their offsets: `KafkaOffset.stored`).
    case assigned([KafkaTopicPartition])
    /// The group took these partitions away; records already polled from them may be processed, but
    /// their offsets belong to the next owner.
    case revoked([KafkaTopicPartition])
}

/// The consumer's callback state: the rebalance handler and errors reported between polls.
final class ConsumerCallbacks: Sendable {
    let onRebalance: (@Sendable (KafkaRebalance) -> [KafkaTopicPartition]?)?
    private let errors = Mutex<[KafkaError]>([])

    init(onRebalance: (@Sendable (KafkaRebalance) -> [KafkaTopicPartition]?)?) { self.onRebalance = onRebalance }

    func report(_ error: KafkaError) { errors.withLock { $0.append(error) } }

    func takeErrors() -> [KafkaError] {
        errors.withLock { errors in
            defer { errors.removeAll() }
            return errors
        }
    }

    /// Applies a rebalance: asks the handler, then assigns or unassigns (incrementally under the
    /// cooperative protocol).
    func rebalance(
        _ handle: OpaquePointer, _ event: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) {
        let given = KafkaPartitionList.read(partitions)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        if event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let chosen = onRebalance?(.assigned(given)) ?? given
            let list = KafkaPartitionList.make(chosen)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, list) {
                    report(KafkaError(consuming: error, "cannot take the assigned partitions"))
                }
            } else {
                let error = rd_kafka_assign(handle, list)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    report(KafkaError(error, "cannot take the assigned partitions"))
                }
            }
        } else {
            if event != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS {
                report(KafkaError(event, "group rebalance failed; partitions released"))
            }
            _ = onRebalance?(.revoked(given))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    report(KafkaError(consuming: error, "cannot release the revoked partitions"))
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        }
    }
}

let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, event, partitions, opaque in
        guard let handle, let partitions, let opaque else { return }
        Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue().rebalance(handle, event, partitions)
    }

let consumerErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, code, reason, opaque in
        guard let opaque else { return }
        let text = reason.map { String(cString: $0) } ?? KafkaError.Code(rawValue: code).text
        Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue().report(
            KafkaError(KafkaError.Code(rawValue: code), "Kafka client: \(text)"))
    }
