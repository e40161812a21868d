/**
 * Machines, events and actions, and the services Processor, Modernizer and Automaton
 * (machinegun-protocol.md §2.4). Field ids keep their gaps: retired ids are never reused.
 */

include "base.thrift"
include "msgpack.thrift"

namespace java dev.vality.machinegun.stateproc
namespace erlang mg_stateproc

/** HistoryRange.after names an event the machine does not have. */
exception EventNotFound {}

/** No machine with that id in the namespace. */
exception MachineNotFound {}

/** The namespace is not configured. */
exception NamespaceNotFound {}

/** Start for an id that already exists. */
exception MachineAlreadyExists {}

/** The machine is, or during this request became, failed. */
exception MachineFailed {}

/** Repair requested for a machine that is not failed. */
exception MachineAlreadyWorking {}

/** The processor refused a repair; reason is its explanation. */
exception RepairFailed {
    1: required msgpack.Value reason
}

/** Versioned payload. */
struct Content {
    1: optional i32 format_version
    2: required msgpack.Value data
}

typedef Content EventBody
typedef list<EventBody> EventBodies
typedef Content AuxState
typedef msgpack.Value Args
typedef list<Event> History
typedef msgpack.Value CallResponse
typedef msgpack.Value RepairResponse
typedef string NotificationID

/** One event of a machine's history. It inlines Content as fields 4 and 5; there is no field 3. */
struct Event {
    1: required base.EventID id
    2: required base.Timestamp created_at
    5: optional i32 format_version
    4: required msgpack.Value data
}

union MachineStatus {
    1: MachineStatusWorking working
    2: MachineStatusFailed failed
}

struct MachineStatusWorking {}

struct MachineStatusFailed {
    1: optional string reason
}

/** A machine as handed to a processor or returned by GetMachine. Field 5 is retired. */
struct Machine {
    1: required base.Namespace ns
    2: required base.ID id
    3: required History history
    4: required HistoryRange history_range
    8: optional MachineStatus status
    7: optional AuxState aux_state
    6: optional base.Timestamp timer
}

/** Addresses a machine and a slice of its history. */
struct MachineDescriptor {
    1: required base.Namespace ns
    2: required Reference ref
    3: required HistoryRange range
}

union Reference {
    1: base.ID id
}

enum Direction {
    forward = 1
    backward = 2
}

/** A window of events: after is exclusive, limit caps the count, absent direction means forward. */
struct HistoryRange {
    1: optional base.EventID after
    2: optional i32 limit
    3: optional Direction direction = Direction.forward
}

/** What MG must do after a step. Field ids start at 3. */
struct ComplexAction {
    3: optional TimerAction timer
    4: optional RemoveAction remove
}

union TimerAction {
    1: SetTimerAction set_timer
    2: UnsetTimerAction unset_timer
}

struct SetTimerAction {
    1: required base.Timer timer
    2: optional HistoryRange range
    /** Seconds allowed for handling the timeout (30 when absent). */
    3: optional base.Timeout timeout
}

struct UnsetTimerAction {}

struct RemoveAction {}

/** The state change produced by one step. Ids 1 and 2 are retired. */
struct MachineStateChange {
    3: optional AuxState aux_state
    4: optional EventBodies events
}

struct CallArgs {
    1: required Args arg
    2: required Machine machine
}

struct CallResult {
    1: required CallResponse response
    2: required MachineStateChange change
    3: required ComplexAction action
}

union Signal {
    1: InitSignal init
    2: TimeoutSignal timeout
    3: NotificationSignal notification
}

struct InitSignal {
    1: required msgpack.Value arg
}

struct TimeoutSignal {}

struct NotificationSignal {
    1: required Args arg
}

struct SignalArgs {
    1: required Signal signal
    2: required Machine machine
}

struct SignalResult {
    1: required MachineStateChange change
    2: required ComplexAction action
}

struct RepairArgs {
    1: required Args arg
    2: required Machine machine
}

struct RepairResult {
    1: required RepairResponse response
    2: required MachineStateChange change
    3: required ComplexAction action
}

/** Input of Modernizer.ModernizeEvent. */
struct MachineEvent {
    1: required base.Namespace ns
    2: required base.ID id
    3: required Event event
}

struct ModernizeEventResult {
    1: required EventBody event_payload
}

struct NotifyResponse {
    1: required NotificationID id
}

/** Implemented by business services, called by MG. */
service Processor {
    SignalResult ProcessSignal (1: SignalArgs a) throws ()
    CallResult ProcessCall (1: CallArgs a) throws ()
    RepairResult ProcessRepair (1: RepairArgs a) throws (1: RepairFailed ex1)
}

/** Implemented by business services, called by MG to upgrade stored event representations. */
service Modernizer {
    ModernizeEventResult ModernizeEvent (1: MachineEvent ev) throws ()
}

/** MG's public API. */
service Automaton {
    void Start (1: base.Namespace ns, 2: base.ID id, 3: Args a)
        throws (1: NamespaceNotFound ex1, 2: MachineAlreadyExists ex2, 3: MachineFailed ex3)

    RepairResponse Repair (1: MachineDescriptor desc, 2: Args a)
        throws (
            1: NamespaceNotFound ex1,
            2: MachineNotFound ex2,
            3: MachineFailed ex3,
            4: MachineAlreadyWorking ex4,
            5: RepairFailed ex5
        )

    void SimpleRepair (1: base.Namespace ns, 2: Reference ref)
        throws (
            1: NamespaceNotFound ex1,
            2: MachineNotFound ex2,
            3: MachineFailed ex3,
            4: MachineAlreadyWorking ex4
        )

    CallResponse Call (1: MachineDescriptor desc, 2: Args a)
        throws (1: NamespaceNotFound ex1, 2: MachineNotFound ex2, 3: MachineFailed ex3)

    Machine GetMachine (1: MachineDescriptor desc)
        throws (1: NamespaceNotFound ex1, 2: MachineNotFound ex2, 3: EventNotFound ex3)

    void Remove (1: base.Namespace ns, 2: base.ID id)
        throws (1: NamespaceNotFound ex1, 2: MachineNotFound ex2)

    void Modernize (1: MachineDescriptor desc)
        throws (1: NamespaceNotFound ex1, 2: MachineNotFound ex2)

    NotifyResponse Notify (1: MachineDescriptor desc, 2: Args a)
        throws (1: NamespaceNotFound ex1, 2: MachineNotFound ex2)
}
