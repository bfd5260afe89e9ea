/* slowdb.h: a made-up C client library, shaped like many real ones (database
 * and message-queue clients, DNS resolvers): start an operation with a
 * callback and a `void* user`, and the library calls back later, from a
 * thread of its own. examples/callback_wrap/main.cpp turns it into an awaitable. */
#ifndef SLOWDB_H
#define SLOWDB_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct slowdb slowdb;

/* status is 0 on success (result holds the value, valid during the call), or an errno value. */
typedef void (*slowdb_callback)(void* user, int status, const char* result);

slowdb* slowdb_open(int latency_ms);
/* Returns 0 once the query has started; cb runs exactly once afterwards, on the library's thread. */
int slowdb_get(slowdb* db, const char* key, slowdb_callback cb, void* user);
/* Waits for the callbacks still in flight, then frees db. */
void slowdb_close(slowdb* db);

#ifdef __cplusplus
}
#endif

#endif
