// make_pipe(): pipe2 wrapped in two Streams (see simul/io/pipe.hpp).
#include <simul/io/pipe.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace simul {

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::make_pipe: pipe2");
    Fd r(fds[0]), w(fds[1]);
    return Pipe{Stream(std::move(r)), Stream(std::move(w))};
}

}  // namespace simul
