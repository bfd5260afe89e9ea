/* A stand-in for a third-party C library that blocks (the blocking-call
 * detector's test): built as its own shared library, so its call to usleep
 * goes through the dynamic linker like a real client library's would. */
#include <unistd.h>

int third_party_nap(int microseconds) {
    /* volatile: no tail call, so this function keeps its frame, as a real
     * library's would around a blocking call in the middle of its work */
    volatile int rc = usleep((useconds_t)microseconds);
    return rc;
}
