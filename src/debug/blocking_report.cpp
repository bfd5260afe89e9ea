// simul's side of the blocking-call detector (debug/blocking_detector.hpp):
// the two functions that libsimul_blocking_detector.so calls, installed when
// a debug loop starts.
#include <dlfcn.h>

#include <cstring>
#include <string>

#include <simul/core/loop.hpp>
#include <simul/debug/blocking_detector.hpp>

#include "debug/debug_monitor.hpp"

#if SIMUL_HAVE_STACKTRACE
#include <boost/stacktrace.hpp>
#endif

namespace simul::detail {

namespace {

thread_local bool reporting = false;  // the report's own calls are not reported
thread_local int allowed = 0;         // AllowBlocking scopes open on this thread

int in_task_step() { return tls_stepping_loop != nullptr && !reporting && allowed == 0; }

// The first frame outside the detector library, below its wrapper: the code
// that made the call (the program's, or a third-party library's).
std::string caller() {
#if SIMUL_HAVE_STACKTRACE
    const boost::stacktrace::stacktrace st(0, 16);
    bool in_wrapper = false;
    for (const boost::stacktrace::frame& f : st) {
        Dl_info info{};
        const bool found = ::dladdr(f.address(), &info) != 0 && info.dli_fname;
        const bool detector = found && std::strstr(info.dli_fname, "simul_blocking_detector") != nullptr;
        if (detector) {
            in_wrapper = true;
            continue;
        }
        // A sanitizer's interceptor of the same function sits between the
        // caller and the wrapper: not the caller either.
        if (in_wrapper && found &&
            (std::strstr(info.dli_fname, "libasan") || std::strstr(info.dli_fname, "libtsan") ||
             std::strstr(info.dli_fname, "libubsan")))
            continue;
        if (!in_wrapper) continue;
        std::string out = f.name();
        out = out.empty() ? std::string("??") : short_function_name(out);
        const std::string file = f.source_file();
        if (!file.empty()) out += " at " + file + ":" + std::to_string(f.source_line());
        if (found) {
            const char* slash = std::strrchr(info.dli_fname, '/');
            out += std::string(" (") + (slash ? slash + 1 : info.dli_fname) + ")";
        }
        return out;
    }
#endif
    return {};
}

void report_blocking(const char* call, const char* what, const char* advice) {
    Loop* loop = tls_stepping_loop;
    if (!loop || reporting) return;
    reporting = true;
    try {
        loop->note_blocking_call();
        if (DebugMonitor* m = DebugMonitor::of(*loop); m && m->reports_on()) {
            std::uint64_t dropped = 0;
            if (m->limiter().allow(dropped)) {
                m->pause_stall_clock();
                std::string line = std::string("simul: blocking call: ") + call;
                if (what && *what) line += std::string(" ") + what;
                std::string task = "(unnamed)";
                if (const TaskHeader* t = loop->current_task()) task = loop->task_name(t);
                line += " on the loop thread, in task '" + task + "' (" + loop->step_origin() + ")";
                if (const std::string from = caller(); !from.empty()) line += ", called from " + from;
                line += ". Every other task waits until it returns: " + std::string(advice) +
                        " instead, or simul::to_thread() for code you cannot change.";
                if (dropped) line += "\n    (" + std::to_string(dropped) + " earlier reports suppressed: at most a few a second)";
                loop->debug_log(line);
                m->resume_stall_clock();
            }
        }
    } catch (...) {
    }
    reporting = false;
}

}  // namespace

bool install_blocking_detector() noexcept {
    using Install = void (*)(int (*)(), void (*)(const char*, const char*, const char*));
    auto install = reinterpret_cast<Install>(::dlsym(RTLD_DEFAULT, "simul_blocking_detector_install"));
    if (!install) return false;
    install(&in_task_step, &report_blocking);
    return true;
}

}  // namespace simul::detail

namespace simul {

bool blocking_detector_loaded() noexcept { return ::dlsym(RTLD_DEFAULT, "simul_blocking_detector_install") != nullptr; }

// Known blocking is no stall either: the watchdog's clock stops meanwhile.
AllowBlocking::AllowBlocking(const char*) noexcept {
    if (detail::allowed++ == 0 && detail::tls_stepping_loop)
        if (detail::DebugMonitor* m = detail::DebugMonitor::of(*detail::tls_stepping_loop)) m->pause_stall_clock();
}
AllowBlocking::~AllowBlocking() {
    if (--detail::allowed == 0 && detail::tls_stepping_loop)
        if (detail::DebugMonitor* m = detail::DebugMonitor::of(*detail::tls_stepping_loop)) m->resume_stall_clock();
}

}  // namespace simul
