/* A stand-in for a third-party C library that blocks (the blocking-call
 * detector's test): built as its own shared library, so its call to usleep
 * goes through the dynamic linker like a real client library's would. */
#include <unistd.h>

int third_party_nap(int microseconds) { return usleep((useconds_t)microseconds); }
