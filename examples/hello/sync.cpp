// hello, the blocking way: the thread sleeps, and nothing else can happen.
#include <chrono>
#include <cstdio>
#include <thread>

int main() {
    std::puts("hello");
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the whole program waits
    std::puts("world");
}
