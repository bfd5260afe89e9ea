// The glue between hiredis's reply parser and Reply: redisReader calls these
// functions as it recognises each element, and they build the Reply in place
// (the root in ConnState::root, children inside their parent's vector, which
// redisReader sizes first), so a reply is parsed with no intermediate
// redisReply tree and no second copy of its strings.
#include "conn_state.hpp"

#include <hiredis/read.h>

#include <cstddef>
#include <variant>

namespace simul::redis::detail {

namespace {

Reply* place(const redisReadTask* t) {
    if (t->parent) {
        auto* parent = static_cast<Reply*>(t->parent->obj);
        return &std::get<std::vector<Reply>>(parent->variant())[std::size_t(t->idx)];
    }
    // The root is always the reader's first task (rstack[0]); hiredis 0.14
    // does not pass the reader's privdata on to its tasks, so find the
    // reader from the task's address.
    const auto* reader = reinterpret_cast<const redisReader*>(reinterpret_cast<const char*>(t) -
                                                               offsetof(redisReader, rstack));
    return &static_cast<ConnState*>(reader->privdata)->root;
}

// Exceptions must not cross hiredis's C frames: a failure is a null object,
// which redisReader reports as out of memory.
void* create_string(const redisReadTask* t, char* s, size_t n) noexcept {
    try {
        Reply* r = place(t);
        if (t->type == REDIS_REPLY_ERROR)
            *r = Reply::error(std::string(s, n));
        else if (t->type == REDIS_REPLY_STATUS)
            *r = Reply::status(std::string(s, n));
        else
            *r = Reply::string(std::string(s, n));
        return r;
    } catch (...) {
        return nullptr;
    }
}

void* create_array(const redisReadTask* t, int n) noexcept {
    try {
        Reply* r = place(t);
        *r = Reply::array(std::vector<Reply>(std::size_t(n)));
        return r;
    } catch (...) {
        return nullptr;
    }
}

void* create_integer(const redisReadTask* t, long long v) noexcept {
    Reply* r = place(t);
    *r = Reply::integer(v);
    return r;
}

void* create_nil(const redisReadTask* t) noexcept {
    Reply* r = place(t);
    *r = Reply();
    return r;
}

// Every object lives inside ConnState::root: nothing to free one by one.
void free_object(void*) noexcept {}

redisReplyObjectFunctions kFunctions = {&create_string, &create_array, &create_integer, &create_nil, &free_object};

}  // namespace

redisReader* make_reader(ConnState* owner) {
    redisReader* r = redisReaderCreateWithFunctions(&kFunctions);
    if (!r) throw std::bad_alloc();
    r->privdata = owner;
    return r;
}

void free_reader(redisReader* r) noexcept {
    if (r) redisReaderFree(r);
}

}  // namespace simul::redis::detail
