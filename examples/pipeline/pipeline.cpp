// A producer/consumer pipeline: fetch -> parse -> store, joined by bounded
// queues, run as one task group.
//
//   - each stage reads its input queue until QueueClosed, then closes its
//     output: the end of the stream flows down the pipeline;
//   - bounded queues give backpressure: a fast stage waits in put() when the
//     next one falls behind;
//   - a Semaphore caps the parsers' concurrent work, a Lock guards the store;
//   - with_task_group returns only after every stage has ended; if one
//     stage fails, the others are cancelled and the error names the stage.
//
// Runs on the virtual clock, so the simulated delays take no real time.
#include <simul/simul.hpp>
#include <simul/sync.hpp>

#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

struct Page {
    int id;
    std::string body;
};

simul::Task<> fetcher(int pages, simul::Queue<Page>& out) {
    for (int id = 0; id < pages; ++id) {
        co_await simul::sleep(10ms);  // the network
        // Named, not `co_await out.put(Page{...})`: g++ 12 destroys a braced
        // aggregate temporary inside a co_await twice (a compiler bug).
        Page page{id, "page " + std::to_string(id) + " words words words"};
        co_await out.put(std::move(page));
    }
    out.close();
}

simul::Task<> parser(simul::Queue<Page>& in, simul::Queue<std::pair<int, int>>& out, simul::Semaphore& cpu,
                     int bad_page) {
    try {
        for (;;) {
            Page p = co_await in.get();
            if (p.id == bad_page) throw std::runtime_error("cannot parse page " + std::to_string(p.id));
            int words = 1;
            {
                auto permit = co_await cpu.acquire();
                co_await simul::sleep(25ms);  // the work
                for (char c : p.body) words += c == ' ';
            }
            co_await out.put({p.id, words});
        }
    } catch (const simul::QueueClosed&) {
    }
}

// Several parsers share one input and one output: the output is closed when
// the last of them has ended (their own group), whatever way they end.
simul::Task<> parse_stage(simul::Queue<Page>& in, simul::Queue<std::pair<int, int>>& out, simul::Semaphore& cpu,
                          int bad_page) {
    struct CloseOutput {
        simul::Queue<std::pair<int, int>>& q;
        ~CloseOutput() { q.close(); }
    } close_output{out};
    co_await simul::with_task_group([&](simul::TaskGroup& parsers) -> simul::Task<> {
        for (int i = 0; i < 3; ++i) parsers.spawn(parser(in, out, cpu, bad_page), "parser " + std::to_string(i));
        co_return;
    });
}

simul::Task<> storer(simul::Queue<std::pair<int, int>>& in, simul::Lock& db_lock, std::map<int, int>& db) {
    try {
        for (;;) {
            auto [id, words] = co_await in.get();
            auto held = co_await db_lock.acquire();
            co_await simul::sleep(1ms);  // the write
            db[id] = words;
        }
    } catch (const simul::QueueClosed&) {
    }
}

// bad_page < 0: every page parses.
simul::Task<> pipeline(int bad_page) {
    simul::Queue<Page> pages(4);                     // bounded: backpressure on the fetcher
    simul::Queue<std::pair<int, int>> counts(4);
    simul::Semaphore cpu(2);                         // two parsers work at a time
    simul::Lock db_lock;
    std::map<int, int> db;
    const auto t0 = simul::now();

    co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
        g.spawn(fetcher(20, pages), "fetcher");
        g.spawn(parse_stage(pages, counts, cpu, bad_page), "parsers");
        g.spawn(storer(counts, db_lock, db), "storer");
        co_return;
    });
    // Every stage has ended here.
    std::printf("stored %zu pages in %lld ms of simulated time\n", db.size(),
                static_cast<long long>((simul::now() - t0) / 1ms));
}

}  // namespace

int main() {
    simul::run(pipeline(-1), {.virtual_time = true});
    // One parser fails: its siblings, the fetcher and the storer are
    // cancelled, and the error says which stage and which parser.
    try {
        simul::run(pipeline(13), {.virtual_time = true});
    } catch (const simul::TaskGroupError& e) {
        std::printf("pipeline failed: %s\n", e.what());
    }
}
