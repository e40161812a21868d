/**
 * The Kafka event-sink message (machinegun-protocol.md §2.5, §4.1): one record per machine event, the value being
 * a SinkEvent in the binary protocol without a message header.
 */

include "base.thrift"
include "msgpack.thrift"

namespace java dev.vality.machinegun.eventsink
namespace erlang mg_evsink

union SinkEvent {
    1: MachineEvent event
}

struct MachineEvent {
    1: required base.Namespace source_ns
    2: required base.ID source_id
    /** Increases by exactly 1 per event within source_id. */
    3: required base.EventID event_id
    4: required base.Timestamp created_at
    5: optional i32 format_version
    6: required msgpack.Value data
}
