/**
 * The msgpack data model as a Thrift union (machinegun-protocol.md §2.3): the payload type of every argument,
 * response, event body and aux state.
 */

namespace java dev.vality.machinegun.msgpack
namespace erlang mg_msgpack

/** msgpack nil. */
struct Nil {}

/** One msgpack value. */
union Value {
    1: Nil nl
    2: bool b
    3: i64 i
    /** Must be finite: Erlang peers cannot represent NaN or ±Infinity. */
    4: double flt
    /** UTF-8 text; kept distinct from bin. */
    5: string str
    6: binary bin
    /** Keys are themselves Values. */
    7: Object obj
    8: Array arr
}

typedef list<Value> Array
typedef map<Value, Value> Object
