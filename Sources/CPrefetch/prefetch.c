// The prefetch hints are static inline functions in include/CPrefetch.h; this file makes the target a library.
#include "CPrefetch.h"
