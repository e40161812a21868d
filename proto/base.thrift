/**
 * Common types of the Machinegun protocol (machinegun-protocol.md §2.2).
 */

namespace java dev.vality.machinegun.base
namespace erlang mg_base

/** Machine identifier. */
typedef string ID

/** Namespace name. */
typedef string Namespace

/** Event identifier. */
typedef i64 EventID

/** Bytes not interpreted by the receiver. */
typedef binary Opaque

/** RFC 3339 moment in UTC, e.g. 2016-03-22T06:12:27Z. */
typedef string Timestamp

/** String-to-string map. */
typedef map<string, string> StringMap

/** Duration in seconds. */
typedef i32 Timeout

/** Data whose interpretation depends on a media type. */
struct Content {
    /** Media type (RFC 2046). */
    1: required string type
    2: required binary data
}

/** A time interval; an absent bound means unbounded on that side. */
struct TimestampInterval {
    1: optional TimestampIntervalBound lower_bound
    2: optional TimestampIntervalBound upper_bound
}

struct TimestampIntervalBound {
    1: required BoundType bound_type
    2: required Timestamp bound_time
}

enum BoundType {
    inclusive
    exclusive
}

/** The fraction p/q. */
struct Rational {
    1: required i64 p
    2: required i64 q
}

/** When a timer fires. */
union Timer {
    /** Fire after this many seconds from now. */
    1: Timeout timeout
    /** Fire at this absolute UTC moment. */
    2: Timestamp deadline
}

/** Input rejected by business rules. */
exception InvalidRequest {
    /** Human-readable descriptions of what is wrong. */
    1: required list<string> errors
}
