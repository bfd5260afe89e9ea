// simul/adapters/pg/pipeline.hpp: Pipeline, many statements in one round trip.
//
// A Pipeline is a list of statements built on the client and sent together
// with libpq's pipeline mode (PostgreSQL 14+ servers; libpq 14+): all of
// them go out in one write, followed by one Sync, and the answers come back
// in order. `co_await conn.pipeline(batch)` returns one Result per statement.
//
//     pg::Pipeline batch;
//     for (int i = 0; i < 100; ++i) batch.add("INSERT INTO t (v) VALUES ($1)", i);
//     batch.add("SELECT count(*) FROM t");
//     std::vector<pg::Result> results = co_await conn.pipeline(batch);
//     std::int64_t n = results.back().scalar<std::int64_t>();
//
// The statements between two Syncs run in one implicit transaction (unless
// the batch itself says BEGIN ... COMMIT): when one fails, the server skips
// the rest and rolls back the earlier ones, and pipeline() throws the failing
// statement's pg::Error (its message starts with "pipeline statement <i>:")
// once every answer up to the Sync has been read, so the connection stays in
// step. Cancellation is as for a single query (connection.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <simul/adapters/pg/params.hpp>

namespace simul::pg {

class Pipeline {
public:
    // Appends `sql` with its parameters.
    template <class... A>
    Pipeline& add(std::string sql, const A&... args) {
        items_.push_back(Item{std::move(sql), Params(args...), false});
        return *this;
    }
    // Appends a run of the prepared statement `name` (Connection::prepare).
    template <class... A>
    Pipeline& add_prepared(std::string name, const A&... args) {
        items_.push_back(Item{std::move(name), Params(args...), true});
        return *this;
    }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void clear() noexcept { items_.clear(); }

    struct Item {
        std::string sql;  // or the prepared statement's name
        Params params;
        bool prepared;
    };
    const std::vector<Item>& items() const noexcept { return items_; }

private:
    std::vector<Item> items_;
};

}  // namespace simul::pg
