// simul/io/file.hpp: files without blocking the loop: read_file(), write_file(), AsyncFile.
//
// Regular files are always "ready" to epoll, yet a read may wait for a disk
// (or a network file system) for milliseconds. So every call here runs its
// system calls on the thread pool (simul::to_thread) and the task awaits the
// result; the loop runs other tasks meanwhile, and resumes the caller when the
// worker posts the result back (call_soon_threadsafe). An io_uring backend
// can take over later behind the same calls.
//
//     std::string text = co_await simul::read_file("config.toml");
//     co_await simul::write_file("out.txt", text);
//
//     auto f = co_await simul::AsyncFile::open("data.bin", "r+");
//     std::string header = co_await f.read_at(0, 64);
//     co_await f.write_at(4096, block);
//     co_await f.sync();
//     co_await f.close();
//
// Errors are std::system_error with the errno, the call and the path in the
// message ("simul::read_file: open \"config.toml\": No such file or
// directory"). Descriptors are O_CLOEXEC. read_file() reads the whole file
// into memory: pass max_size to cap it (simul::Error beyond; the default is
// 1 GiB).
//
// Modes of AsyncFile::open, as fopen: "r" read; "w" write, create, truncate;
// "a" append, create; "r+" read and write; "w+" read, write, create,
// truncate; "a+" read and append, create; an "x" after w makes creation
// exclusive (EEXIST if present); "b" is accepted and ignored. Created files
// get mode 0666 less the umask.
//
// Cancellation: cancelling the awaiting task stops the wait at once (it gets
// Cancelled), but the system call already on the worker runs to its end: a
// cancelled write_at() or write_file() may have written all, part or none of
// its bytes. The descriptor stays open until the last such call is done, so
// a cancelled call never reads or writes a file that reuses its number.
// One AsyncFile may have several calls in flight (pread/pwrite take their
// own offsets), but each call belongs to the loop's thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simul/coro/task.hpp>

namespace simul {

inline constexpr std::size_t kDefaultMaxFileSize = std::size_t(1) << 30;

// The whole file (simul::Error if longer than max_size).
Task<std::string> read_file(std::string path, std::size_t max_size = kDefaultMaxFileSize);
// Creates or truncates path and writes data to it.
Task<> write_file(std::string path, std::string data);

namespace detail {
struct SharedFile;
}

class AsyncFile {
public:
    AsyncFile() noexcept;
    AsyncFile(AsyncFile&&) noexcept;
    AsyncFile& operator=(AsyncFile&&) noexcept;
    // Closes the file if still open (without waiting; errors are lost: use close()).
    ~AsyncFile();

    static Task<AsyncFile> open(std::string path, std::string mode = "r");

    // Up to n bytes from offset; fewer only at end of file ("" past it).
    Task<std::string> read_at(std::uint64_t offset, std::size_t n);
    // Writes all of data at offset ("a" modes: at the end, whatever offset says).
    Task<> write_at(std::uint64_t offset, std::string data);
    Task<std::uint64_t> size();
    // fsync: the data and metadata reach the disk.
    Task<> sync();
    // Closes the descriptor, reporting its error (e.g. EIO on NFS).
    Task<> close();

    bool is_open() const noexcept { return bool(f_); }
    const std::string& path() const noexcept;

private:
    std::shared_ptr<detail::SharedFile> f_;
};

}  // namespace simul
