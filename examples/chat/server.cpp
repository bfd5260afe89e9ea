// A line-based chat server: every line a client sends goes to all the others.
//
// Each client has a writer task fed by a bounded outbox (simul::Queue, 64
// lines). A client that reads too slowly fills its outbox; then the sender
// waits (backpressure) for up to a second, and if the slow client still has
// not made room it is disconnected. Memory stays bounded whatever the
// clients do: no outbox grows past 64 lines, and a line is at most 4 KiB.
//
//     chat_server [port]            (default 7777; try it with `nc 127.0.0.1 7777`)
//     chat_server --tls --cert cert.pem --key key.pem [port]
//                                   (try it with `openssl s_client -connect 127.0.0.1:7777`)
#include <simul/simul.hpp>
#include <simul/net/tls.hpp>

#include "../common/server_main.hpp"

#include <cstdio>
#include <cstdlib>
#include <list>
#include <memory>
#include <string>
#include <string_view>

using namespace std::chrono_literals;

namespace {

struct Client {
    std::string name;
    simul::Queue<std::string> outbox{64};
};

std::list<std::shared_ptr<Client>> g_clients;

simul::Task<> broadcast(std::shared_ptr<Client> from, std::string line) {
    // Copy the list: a slow client may leave while we wait on it.
    std::list<std::shared_ptr<Client>> everyone = g_clients;
    for (auto& c : everyone) {
        if (c == from) continue;
        try {
            co_await simul::wait_for(c->outbox.put(line), 1s);
        } catch (const simul::TimeoutError&) {
            c->outbox.close();  // too slow: its writer ends, and with it the connection
        } catch (const simul::QueueClosed&) {
        }
    }
}

simul::Task<> writer(std::shared_ptr<Client> c, simul::Stream* s) {
    try {
        for (;;) co_await s->write(co_await c->outbox.get());
    } catch (const simul::QueueClosed&) {
    }
    s->close();  // the reader's next read ends
}

simul::Task<> session(simul::Stream s) {
    auto me = std::make_shared<Client>();
    me->name = "guest" + std::to_string(s.fd());
    g_clients.push_back(me);
    auto w = simul::spawn(writer(me, &s), me->name + " writer");
    std::string joined = me->name + " joined\n";
    co_await broadcast(me, joined);
    try {
        for (;;) {
            std::string line = co_await s.read_line(4096);
            if (line.empty() || s.is_closed()) break;
            std::string said = me->name + ": " + line;
            co_await broadcast(me, said);
        }
    } catch (const std::exception&) {  // a line too long, a reset, a closed stream: the session ends
    }
    g_clients.remove(me);
    me->outbox.close();
    co_await w;
    std::string left = me->name + " left\n";
    co_await broadcast(me, left);
}

simul::Task<> serve(std::uint16_t port, simul::tls::Context tls) {
    simul::ServerOptions options;
    options.tls = tls;  // empty: plain TCP; the sessions are the same either way
    simul::Server server = co_await simul::start_server(session, "127.0.0.1", port, options);
    std::printf("chat server on 127.0.0.1:%u%s\n", unsigned(server.port()), tls ? " (TLS)" : "");
    std::fflush(stdout);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) { return examples::server_main(argc, argv, "chat_server", 7777, &serve); }
