// TaskLocal<T>: a value set in a task is seen by what it awaits and by tasks
// it spawns (copied at spawn), never by its siblings.
#include <simul/coro/task_local.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

simul::TaskLocal<std::string> request_id{"-"};
simul::TaskLocal<int> depth;

simul::Task<std::string> read_id() { co_return request_id.get(); }

simul::Task<std::string> deep_read(int levels) {
    if (levels == 0) co_return co_await read_id();
    co_return co_await deep_read(levels - 1);
}

}  // namespace

TEST(TaskLocal, OutsideATaskGetGivesTheDefaultAndSetThrows) {
    EXPECT_EQ(request_id.get(), "-");
    EXPECT_EQ(depth.get(), 0);
    EXPECT_THROW(request_id.set("x"), simul::Error);
}

TEST(TaskLocal, AValueSetInATaskIsSeenByWhatItAwaits) {
    const std::string seen = simul::run([]() -> simul::Task<std::string> {
        request_id.set("req-7");
        co_await simul::sleep(1s);
        co_return co_await deep_read(5);
    }(), {.virtual_time = true});
    EXPECT_EQ(seen, "req-7");
}

TEST(TaskLocal, SpawnedTasksGetACopyTakenAtTheSpawn) {
    std::vector<std::string> seen;
    simul::run([](std::vector<std::string>& out) -> simul::Task<> {
        request_id.set("parent");
        auto child = simul::spawn([](std::vector<std::string>& o) -> simul::Task<> {
            o.push_back("child sees " + request_id.get());
            co_await simul::sleep(2s);
            o.push_back("child still sees " + request_id.get());  // the parent's later set() stays there
            request_id.set("child's own");
            o.push_back("child now sees " + request_id.get());
        }(out));
        co_await simul::sleep(1s);
        request_id.set("parent changed");
        co_await child;
        out.push_back("parent sees " + request_id.get());  // the child's set() stays there
    }(seen), {.virtual_time = true});
    EXPECT_EQ(seen, (std::vector<std::string>{"child sees parent", "child still sees parent",
                                              "child now sees child's own", "parent sees parent changed"}));
}

TEST(TaskLocal, SiblingsNeverSeeEachOthersValues) {
    std::vector<std::string> seen(3);
    simul::run([](std::vector<std::string>& out) -> simul::Task<> {
        simul::TaskGroup group;
        for (int i = 0; i < 3; ++i)
            group.spawn([](int n, std::string& o) -> simul::Task<> {
                request_id.set("sibling-" + std::to_string(n));
                co_await simul::sleep(std::chrono::seconds(3 - n));  // interleave
                o = co_await read_id();
            }(i, out[std::size_t(i)]));
        co_await group.join();
        EXPECT_EQ(request_id.get(), "-");  // the parent never set one
    }(seen), {.virtual_time = true});
    EXPECT_EQ(seen, (std::vector<std::string>{"sibling-0", "sibling-1", "sibling-2"}));
}

TEST(TaskLocal, ScopedRestoresThePreviousValue) {
    simul::run([]() -> simul::Task<> {
        depth.set(1);
        {
            auto restore = depth.scoped(2);
            EXPECT_EQ(depth.get(), 2);
            {
                auto inner = request_id.scoped("inner");
                EXPECT_EQ(request_id.get(), "inner");
            }
            EXPECT_FALSE(request_id.is_set());
            EXPECT_EQ(request_id.get(), "-");
        }
        EXPECT_EQ(depth.get(), 1);
        co_return;
    }());
}

TEST(TaskLocal, ValuesGoAwayWithTheirTask) {
    auto counter = std::make_shared<int>(0);
    static simul::TaskLocal<std::shared_ptr<int>> holder;
    simul::run([](std::shared_ptr<int> c) -> simul::Task<> {
        co_await simul::spawn([](std::shared_ptr<int> v) -> simul::Task<> {
            holder.set(std::move(v));
            co_return;
        }(c));
        EXPECT_EQ(c.use_count(), 2);  // this frame's and the test's: the child's table is gone
    }(counter));
    EXPECT_EQ(counter.use_count(), 1);
}
