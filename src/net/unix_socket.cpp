// Unix domain stream sockets by path (see simul/net/unix_socket.hpp).
#include <simul/net/unix_socket.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace simul {

Task<Stream> open_unix_connection(std::string path) { co_return co_await connect(Address::unix_path(path), false); }

Task<Server> start_unix_server(ConnectionHandler handler, std::string path, ServerOptions options) {
    const Address a = Address::unix_path(path);
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw Error("simul::start_unix_server: '" + path + "' exists and is not a socket; refusing to remove it");
        // A socket file: remove it only if nobody answers there (a stale one).
        Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(probe.get(), a.data(), a.size()) == 0)
            throw std::system_error(EADDRINUSE, std::generic_category(), "simul::start_unix_server: a server already listens on " + path);
        ::unlink(path.c_str());
    }
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "simul::start_unix_server: socket");
    if (::bind(fd.get(), a.data(), a.size()) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::start_unix_server: cannot bind " + path);
    if (::listen(fd.get(), options.backlog) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::start_unix_server: cannot listen on " + path);
    std::vector<Fd> listeners;
    listeners.push_back(std::move(fd));
    co_return serve_listeners(std::move(handler), std::move(listeners));
}

}  // namespace simul
