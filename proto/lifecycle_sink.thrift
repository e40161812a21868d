/**
 * The Kafka lifecycle message (machinegun-protocol.md §2.6, §4.2): a machine was created, changed status or was
 * removed.
 */

include "base.thrift"
include "state_processing.thrift"

namespace java dev.vality.machinegun.lifesink
namespace erlang mg_lifesink

typedef state_processing.MachineStatus MachineStatus

/** The message: a struct, not a union. */
struct LifecycleEvent {
    1: required base.Namespace machine_ns
    2: required base.ID machine_id
    3: required base.Timestamp created_at
    4: required LifecycleEventData data
}

union LifecycleEventData {
    1: MachineLifecycleEvent machine
}

union MachineLifecycleEvent {
    1: MachineLifecycleCreatedEvent created
    2: MachineLifecycleStatusChangedEvent status_changed
    3: MachineLifecycleRemovedEvent removed
}

struct MachineLifecycleCreatedEvent {}

struct MachineLifecycleStatusChangedEvent {
    1: required MachineStatus new_status
}

struct MachineLifecycleRemovedEvent {}
