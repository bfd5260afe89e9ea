// An echo client: sends each argument as a line and prints what comes back.
//
//     echo_client host port word...
#include <simul/simul.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace std::chrono_literals;

simul::Task<int> talk(std::string host, std::uint16_t port, std::vector<std::string> words) {
    simul::Stream s = co_await simul::open_connection(host, port, {.timeout = 5s});
    for (const auto& w : words) {
        co_await s.write(w + "\n");
        std::string back = co_await s.read_line();
        std::printf("%s", back.c_str());
    }
    co_return 0;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: echo_client host port word...\n");
        return 2;
    }
    try {
        return simul::run(talk(argv[1], std::uint16_t(std::atoi(argv[2])), std::vector<std::string>(argv + 3, argv + argc)));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_client: %s\n", e.what());
        return 1;
    }
}
