// Files on the thread pool (see simul/io/file.hpp).
//
// Each call hands a job to simul::to_thread. The job holds a shared reference
// to the descriptor, so a call that its task abandoned (cancelled) keeps the
// descriptor open until its pread/pwrite is over: the number is never reused
// under it. The last reference closes the descriptor.
#include <simul/io/file.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/io/to_thread.hpp>

namespace simul {

namespace detail {

struct SharedFile {
    int fd = -1;
    std::string path;
    SharedFile(int f, std::string p) noexcept : fd(f), path(std::move(p)) {}
    SharedFile(const SharedFile&) = delete;
    ~SharedFile() {
        if (fd >= 0) ::close(fd);
    }
};

namespace {

[[noreturn]] void fail(int err, const char* fn, const char* call, const std::string& path) {
    throw std::system_error(err, std::generic_category(), std::string(fn) + ": " + call + " \"" + path + "\"");
}

int open_flags(std::string_view mode, const std::string& path) {
    int flags = 0;
    bool plus = false, excl = false;
    if (mode.empty()) throw Error("simul::AsyncFile::open: empty mode for \"" + path + "\"");
    for (char c : mode.substr(1)) {
        if (c == '+')
            plus = true;
        else if (c == 'x')
            excl = true;
        else if (c != 'b')
            throw Error("simul::AsyncFile::open: unknown mode \"" + std::string(mode) + "\" for \"" + path +
                        "\" (use r, w, a, r+, w+, a+, wx, w+x)");
    }
    switch (mode[0]) {
        case 'r': flags = plus ? O_RDWR : O_RDONLY; break;
        case 'w': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC; break;
        case 'a': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND; break;
        default:
            throw Error("simul::AsyncFile::open: unknown mode \"" + std::string(mode) + "\" for \"" + path +
                        "\" (use r, w, a, r+, w+, a+, wx, w+x)");
    }
    if (excl) {
        if (mode[0] != 'w') throw Error("simul::AsyncFile::open: 'x' goes with 'w' (mode \"" + std::string(mode) + "\")");
        flags |= O_EXCL;
    }
    return flags | O_CLOEXEC;
}

std::string read_whole(const std::string& path, std::size_t max_size) {
    int fd;
    do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) fail(errno, "simul::read_file", "open", path);
    SharedFile guard(fd, path);
    struct stat st;
    std::string out;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if (std::uint64_t(st.st_size) > max_size)
            throw Error("simul::read_file: \"" + path + "\" has " + std::to_string(st.st_size) +
                        " bytes, more than max_size (" + std::to_string(max_size) + ")");
        out.reserve(std::size_t(st.st_size));
    }
    std::size_t len = 0;
    for (;;) {
        if (out.size() - len < 64 * 1024) out.resize(std::max<std::size_t>(out.size() * 2, len + 64 * 1024));
        const ssize_t n = ::read(fd, out.data() + len, out.size() - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno, "simul::read_file", "read", path);
        }
        if (n == 0) break;
        len += std::size_t(n);
        if (len > max_size)
            throw Error("simul::read_file: \"" + path + "\" is longer than max_size (" + std::to_string(max_size) + ")");
    }
    out.resize(len);
    return out;
}

void write_all(int fd, const char* data, std::size_t size, std::uint64_t offset, bool positional, const char* fn,
               const std::string& path) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = positional ? ::pwrite(fd, data + done, size - done, off_t(offset + done))
                                     : ::write(fd, data + done, size - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno, fn, "write", path);
        }
        done += std::size_t(n);
    }
}

void close_checked(SharedFile& f, const char* fn) {
    const int fd = std::exchange(f.fd, -1);
    // Never retried: on Linux the descriptor is gone even when close fails.
    if (fd >= 0 && ::close(fd) < 0 && errno != EINTR) fail(errno, fn, "close", f.path);
}

}  // namespace
}  // namespace detail

Task<std::string> read_file(std::string path, std::size_t max_size) {
    // The job is a named local, not a temporary inside the co_await: g++ 12
    // destroys some temporaries of a co_await expression twice.
    auto job = [path = std::move(path), max_size] { return detail::read_whole(path, max_size); };
    co_return co_await to_thread(std::move(job));
}

Task<> write_file(std::string path, std::string data) {
    auto job = [path = std::move(path), data = std::move(data)] {
        int fd;
        do fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) detail::fail(errno, "simul::write_file", "open", path);
        detail::SharedFile f(fd, path);
        detail::write_all(fd, data.data(), data.size(), 0, false, "simul::write_file", path);
        detail::close_checked(f, "simul::write_file");
    };
    co_await to_thread(std::move(job));
}

AsyncFile::AsyncFile() noexcept = default;
AsyncFile::AsyncFile(AsyncFile&&) noexcept = default;
AsyncFile& AsyncFile::operator=(AsyncFile&&) noexcept = default;
AsyncFile::~AsyncFile() = default;  // the last reference closes

const std::string& AsyncFile::path() const noexcept {
    static const std::string none;
    return f_ ? f_->path : none;
}

Task<AsyncFile> AsyncFile::open(std::string path, std::string mode) {
    const int flags = detail::open_flags(mode, path);
    AsyncFile file;
    auto job = [path = std::move(path), flags] {
        int fd;
        do fd = ::open(path.c_str(), flags, 0666);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) detail::fail(errno, "simul::AsyncFile::open", "open", path);
        return std::make_shared<detail::SharedFile>(fd, path);
    };
    file.f_ = co_await to_thread(std::move(job));
    co_return file;
}

namespace {
const std::shared_ptr<detail::SharedFile>& open_or_throw(const std::shared_ptr<detail::SharedFile>& f, const char* what) {
    if (!f) throw Error(std::string("simul::AsyncFile::") + what + ": the file is not open");
    return f;
}
}  // namespace

Task<std::string> AsyncFile::read_at(std::uint64_t offset, std::size_t n) {
    auto f = open_or_throw(f_, "read_at");
    auto job = [f, offset, n] {
        std::string out(n, '\0');
        std::size_t done = 0;
        while (done < n) {
            const ssize_t k = ::pread(f->fd, out.data() + done, n - done, off_t(offset + done));
            if (k < 0) {
                if (errno == EINTR) continue;
                detail::fail(errno, "simul::AsyncFile::read_at", "pread", f->path);
            }
            if (k == 0) break;  // end of file
            done += std::size_t(k);
        }
        out.resize(done);
        return out;
    };
    co_return co_await to_thread(std::move(job));
}

Task<> AsyncFile::write_at(std::uint64_t offset, std::string data) {
    auto f = open_or_throw(f_, "write_at");
    auto job = [f, offset, data = std::move(data)] {
        detail::write_all(f->fd, data.data(), data.size(), offset, true, "simul::AsyncFile::write_at", f->path);
    };
    co_await to_thread(std::move(job));
}

Task<std::uint64_t> AsyncFile::size() {
    auto f = open_or_throw(f_, "size");
    auto job = [f] {
        struct stat st;
        if (::fstat(f->fd, &st) < 0) detail::fail(errno, "simul::AsyncFile::size", "fstat", f->path);
        return std::uint64_t(st.st_size);
    };
    co_return co_await to_thread(std::move(job));
}

Task<> AsyncFile::sync() {
    auto f = open_or_throw(f_, "sync");
    auto job = [f] {
        if (::fsync(f->fd) < 0) detail::fail(errno, "simul::AsyncFile::sync", "fsync", f->path);
    };
    co_await to_thread(std::move(job));
}

Task<> AsyncFile::close() {
    auto f = std::exchange(f_, nullptr);
    if (!f) co_return;
    // Calls still in flight (abandoned by cancelled tasks) hold the file: the
    // last of them closes it, and its error has nobody to go to.
    if (f.use_count() > 1) co_return;
    auto job = [f = std::move(f)] { detail::close_checked(*f, "simul::AsyncFile::close"); };
    co_await to_thread(std::move(job));
}

}  // namespace simul
