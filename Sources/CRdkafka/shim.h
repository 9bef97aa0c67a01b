// librdkafka's C API (Debian: apt install librdkafka-dev). Built against the installed headers; at run
// time any librdkafka.so.1 of version 2.0 or later will do (LD_LIBRARY_PATH may point at a newer one).
#include <librdkafka/rdkafka.h>
