#include <simul/adapters/pg/connection.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <simul/adapters/pg.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "pg_server.hpp"

using namespace std::chrono_literals;
namespace pg = simul::pg;

// Tests against a real PostgreSQL on loopback: the real clock, bounded waits.
namespace {

simul::Task<pg::Connection> connect() { co_return co_await pg::Connection::connect(pgtest::shared().conninfo()); }

template <class F>
bool throws_column_error(F f, std::string* what = nullptr) {
    try {
        f();
    } catch (const pg::ColumnError& e) {
        if (what) *what = e.what();
        return true;
    }
    return false;
}

}  // namespace

SIMUL_TEST_REAL_CLOCK(PgConnection, ConnectsOverTheUnixSocketAndAnswers) {
    auto conn = co_await connect();
    EXPECT_TRUE(conn.is_open());
    EXPECT_GT(conn.backend_pid(), 0);
    auto r = co_await conn.query("SELECT 1 + 1 AS two");
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].get<int>("two"), 2);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ConnectsOverTcpAndFromKeywordPairs) {
    auto a = co_await pg::Connection::connect(pgtest::shared().tcp_conninfo());
    auto r = co_await a.query("SELECT inet_client_addr()::text");
    EXPECT_EQ(r[0].get<std::string>(0), "127.0.0.1/32");
    std::vector<std::pair<std::string, std::string>> params = {{"host", pgtest::shared().dir},
                                                               {"port", std::to_string(pgtest::shared().port)},
                                                               {"user", "postgres"},
                                                               {"dbname", "postgres"},
                                                               {"application_name", "simul-test"}};
    auto b = co_await pg::Connection::connect(params);
    auto name = co_await b.query("SELECT current_setting('application_name')");
    EXPECT_EQ(name.scalar<std::string>(), "simul-test");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, AHostNameIsLookedUpOffTheLoop) {
    // localhost comes from /etc/hosts: no DNS query leaves the machine.
    auto conn = co_await pg::Connection::connect("host=localhost user=postgres dbname=postgres port=" +
                                                 std::to_string(pgtest::shared().port));
    auto r = co_await conn.query("SELECT inet_client_addr()::text");
    EXPECT_EQ(r.scalar<std::string>(), "127.0.0.1/32");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, PghostAndPgportFromTheEnvironmentAreUsed) {
    ::setenv("PGHOST", "localhost", 1);  // this test runs in a process of its own
    ::setenv("PGPORT", std::to_string(pgtest::shared().port).c_str(), 1);
    auto conn = co_await pg::Connection::connect("user=postgres dbname=postgres");
    EXPECT_EQ((co_await conn.query("SELECT inet_client_addr()::text")).scalar<std::string>(), "127.0.0.1/32");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ParametersBuiltAtRunTime) {
    auto conn = co_await connect();
    pg::Params params;
    for (int i = 1; i <= 3; ++i) params.add(i * 10);
    params.add_null(pg::oid::kInt4);
    auto r = co_await conn.query_params("SELECT $1 + $2 + $3, $4 IS NULL", params);
    EXPECT_EQ(r[0].get<int>(0), 60);
    EXPECT_TRUE(r[0].get<bool>(1));
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ConnectingToAClosedPortIsAConnectionErrorWithLibpqsMessage) {
    // A port that was free a moment ago: nobody listens there.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    std::string what;
    try {
        co_await pg::Connection::connect("host=127.0.0.1 user=postgres port=" + std::to_string(ntohs(a.sin_port)));
    } catch (const pg::ConnectionError& e) {
        what = e.what();
        EXPECT_EQ(e.sqlstate(), "08001");
    }
    EXPECT_NE(what.find("Connection refused"), std::string::npos) << what;
}

SIMUL_TEST_REAL_CLOCK(PgConnection, AMissingDatabaseAndABadConnectionStringAreConnectionErrors) {
    std::string what;
    try {
        co_await pg::Connection::connect("host=" + pgtest::shared().dir + " port=" + std::to_string(pgtest::shared().port) +
                                         " user=postgres dbname=no_such_db");
    } catch (const pg::ConnectionError& e) {
        what = e.what();
    }
    EXPECT_NE(what.find("no_such_db"), std::string::npos) << what;
    what.clear();
    try {
        co_await pg::Connection::connect("host=/tmp nonsense_keyword=1");
    } catch (const pg::ConnectionError& e) {
        what = e.what();
    }
    EXPECT_NE(what.find("nonsense_keyword"), std::string::npos) << what;
}

SIMUL_TEST_REAL_CLOCK(PgConnection, AServerThatIsNotPostgresIsAConnectionErrorThatSaysSo) {
    auto server = co_await simul::start_server(
        [](simul::Stream s) -> simul::Task<> {
            char buf[512];
            (void)co_await s.read_some(buf, sizeof buf);
            co_await s.write("HTTP/1.1 400 Bad Request\r\n\r\n");
            s.close();
        },
        "127.0.0.1", 0);
    std::string what;
    try {
        co_await pg::Connection::connect("host=127.0.0.1 user=postgres port=" + std::to_string(server.port()));
    } catch (const pg::ConnectionError& e) {
        what = e.what();
    }
    EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
    EXPECT_NE(what.find("invalid response"), std::string::npos) << what;
    co_await server.wait_closed(1s);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ASilentServerHitsTheConnectTimeout) {
    // A listener that never accepts: the TCP connect succeeds, the startup never gets an answer.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        pg::ConnectOptions options;
        options.connect_timeout = 300ms;
        co_await pg::Connection::connect("host=127.0.0.1 user=postgres port=" + std::to_string(ntohs(a.sin_port)), options);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    ::close(fd);
    EXPECT_TRUE(timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ParametersOfEachTypeRoundTrip) {
    auto conn = co_await connect();
    const std::string s = "it's \"quoted\" and ünïcode";
    std::string_view sv = "view";
    auto r = co_await conn.query("SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10", std::int16_t(-7), 42, std::int64_t(1) << 40,
                                 2.5, 1.25f, true, s, sv, "literal", std::uint32_t(4000000000u));
    pg::Row row = r[0];
    EXPECT_EQ(row.get<std::int16_t>(0), -7);
    EXPECT_EQ(row.get<int>(1), 42);
    EXPECT_EQ(row.get<std::int64_t>(2), std::int64_t(1) << 40);
    EXPECT_EQ(row.get<double>(3), 2.5);
    EXPECT_EQ(row.get<float>(4), 1.25f);
    EXPECT_EQ(row.get<bool>(5), true);
    EXPECT_EQ(row.get<std::string>(6), s);
    EXPECT_EQ(row.get<std::string_view>(7), "view");
    EXPECT_EQ(row.get<std::string>(8), "literal");
    EXPECT_EQ(row.get<std::int64_t>(9), 4000000000LL);
    // The types the server saw.
    auto t = co_await conn.query("SELECT pg_typeof($1)::text, pg_typeof($2)::text, pg_typeof($3)::text, pg_typeof($4)::text, pg_typeof($5)::text",
                                 std::int16_t(1), 1, std::int64_t(1), 1.0, false);
    EXPECT_EQ(t[0].get<std::string>(0), "smallint");
    EXPECT_EQ(t[0].get<std::string>(1), "integer");
    EXPECT_EQ(t[0].get<std::string>(2), "bigint");
    EXPECT_EQ(t[0].get<std::string>(3), "double precision");
    EXPECT_EQ(t[0].get<std::string>(4), "boolean");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, SpecialFloatsAndExtremeIntegersRoundTrip) {
    auto conn = co_await connect();
    auto r = co_await conn.query("SELECT $1, $2, $3, $4, $5", std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(), std::nan(""),
                                 std::numeric_limits<std::int64_t>::min(), 0.1);
    EXPECT_TRUE(std::isinf(r[0].get<double>(0)) && r[0].get<double>(0) > 0);
    EXPECT_TRUE(std::isinf(r[0].get<double>(1)) && r[0].get<double>(1) < 0);
    EXPECT_TRUE(std::isnan(r[0].get<double>(2)));
    EXPECT_EQ(r[0].get<std::int64_t>(3), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(r[0].get<double>(4), 0.1);
    bool threw = false;
    try {
        (void)co_await conn.query("SELECT $1", std::numeric_limits<std::uint64_t>::max());
    } catch (const pg::Error& e) {
        threw = std::string(e.what()).find("int8") != std::string::npos;
    }
    EXPECT_TRUE(threw);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ByteaTravelsInBinaryWithEveryByteValue) {
    auto conn = co_await connect();
    pg::Bytes b;
    for (int i = 0; i < 256; ++i) b.data.push_back(char(i));
    b.data += std::string(3, '\0');
    auto r = co_await conn.query("SELECT $1::bytea, length($1::bytea), pg_typeof($1)::text", b);
    EXPECT_EQ(r[0].get<pg::Bytes>(0), b);
    EXPECT_EQ(r[0].get<int>(1), 259);
    EXPECT_EQ(r[0].get<std::string>(2), "bytea");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, NullsGoInAsOptionalsAndNullptrAndComeOutAsNullopt) {
    auto conn = co_await connect();
    std::optional<int> none, some = 5;
    auto r = co_await conn.query("SELECT $1::int4, $2::int4, $3::text, $4::text", none, some, nullptr, std::optional<std::string>("x"));
    EXPECT_TRUE(r[0].is_null(0));
    EXPECT_EQ(r[0].get<std::optional<int>>(0), std::nullopt);
    EXPECT_EQ(r[0].get<std::optional<int>>(1), 5);
    EXPECT_EQ(r[0].get<std::optional<std::string>>(2), std::nullopt);
    EXPECT_EQ(r[0].get<std::optional<std::string>>(3), "x");
    std::string what;
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<int>(0); }, &what));
    EXPECT_NE(what.find("std::optional"), std::string::npos) << what;
}

SIMUL_TEST_REAL_CLOCK(PgConnection, TypedGettersRefuseWrongTypesMissingColumnsAndOverflow) {
    auto conn = co_await connect();
    auto r = co_await conn.query("SELECT 'abc'::text AS name, 70000::int4 AS big, 1.5::numeric AS n, true AS flag");
    std::string what;
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<int>("name"); }, &what));
    EXPECT_NE(what.find("\"name\" is text"), std::string::npos) << what;
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<int>("nope"); }, &what));
    EXPECT_NE(what.find("no column named \"nope\""), std::string::npos) << what;
    EXPECT_NE(what.find("name, big, n, flag"), std::string::npos) << what;
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<std::int16_t>("big"); }, &what));
    EXPECT_NE(what.find("does not fit"), std::string::npos) << what;
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<int>(9); }, &what));
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<bool>("big"); }));
    EXPECT_TRUE(throws_column_error([&] { (void)r[0].get<pg::Bytes>("name"); }));
    EXPECT_EQ(r[0].get<double>("n"), 1.5);
    EXPECT_EQ(r[0].get<std::string>("big"), "70000");  // any type reads as text
    EXPECT_TRUE(r[0].get<bool>(3));
    EXPECT_EQ(r.column_name(1), "big");
    EXPECT_EQ(r.column_index("flag"), 3);
    EXPECT_EQ(r.column_type(0), pg::oid::kText);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ServerErrorsCarryTheSqlstateAndLeaveTheConnectionUsable) {
    auto conn = co_await connect();
    co_await conn.execute("CREATE TEMP TABLE u (id int8 PRIMARY KEY, name text NOT NULL)");
    EXPECT_EQ(co_await conn.execute("INSERT INTO u VALUES ($1, $2), ($3, $4)", 1, "a", 2, "b"), 2);
    std::string state, what;
    try {
        co_await conn.execute("INSERT INTO u VALUES ($1, $2)", 1, "dup");
    } catch (const pg::Error& e) {
        state = e.sqlstate();
        what = e.what();
    }
    EXPECT_EQ(state, "23505");
    EXPECT_NE(what.find("duplicate key"), std::string::npos) << what;
    try {
        co_await conn.query("SELEC 1");
    } catch (const pg::Error& e) {
        state = e.sqlstate();
    }
    EXPECT_EQ(state, "42601");
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ(co_await conn.execute("UPDATE u SET name = upper(name)"), 2);
    EXPECT_EQ(co_await conn.execute("DELETE FROM u WHERE id = $1", 2), 1);
    auto r = co_await conn.query("SELECT name FROM u ORDER BY id");
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].get<std::string>(0), "A");
}

SIMUL_TEST_REAL_CLOCK(PgConnection, PreparedStatementsRunWithParameters) {
    auto conn = co_await connect();
    co_await conn.execute("CREATE TEMP TABLE kv (k int4 PRIMARY KEY, v text)");
    co_await conn.prepare("put", "INSERT INTO kv VALUES ($1, $2)");
    co_await conn.prepare("get", "SELECT v FROM kv WHERE k = $1");
    for (int i = 0; i < 20; ++i) EXPECT_EQ(co_await conn.execute_prepared("put", i, "v" + std::to_string(i)), 1);
    auto r = co_await conn.query_prepared("get", 13);
    EXPECT_EQ(r[0].get<std::string>("v"), "v13");
    std::string state;
    try {
        co_await conn.query_prepared("missing", 1);
    } catch (const pg::Error& e) {
        state = e.sqlstate();
    }
    EXPECT_EQ(state, "26000");  // invalid_sql_statement_name
    try {
        co_await conn.prepare("put", "SELECT 1");
    } catch (const pg::Error& e) {
        state = e.sqlstate();
    }
    EXPECT_EQ(state, "42P05");  // duplicate_prepared_statement
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ResultsIterateAndCountRows) {
    auto conn = co_await connect();
    auto r = co_await conn.query("SELECT g, g * g AS sq FROM generate_series(1, $1) g", 100);
    EXPECT_EQ(r.size(), 100u);
    std::int64_t sum = 0;
    for (pg::Row row : r) sum += row.get<std::int64_t>("sq");
    EXPECT_EQ(sum, 338350);
    EXPECT_EQ(r.command_status(), "SELECT 100");
    auto empty = co_await conn.query("SELECT 1 WHERE false");
    EXPECT_TRUE(empty.empty());
    bool threw = false;
    try {
        (void)empty.scalar<int>();
    } catch (const pg::Error&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, AScriptRunsSeveralStatements) {
    auto conn = co_await connect();
    auto r = co_await conn.execute_script("CREATE TEMP TABLE s (x int); INSERT INTO s VALUES (1), (2); SELECT sum(x) FROM s");
    EXPECT_EQ(r.scalar<int>(), 3);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ASecondTaskOnABusyConnectionIsRefused) {
    auto conn = co_await connect();
    auto slow = simul::spawn(conn.query("SELECT pg_sleep(0.2)"));
    co_await simul::sleep(20ms);
    bool refused = false;
    try {
        co_await conn.query("SELECT 1");
    } catch (const simul::InvalidStateError& e) {
        refused = std::string(e.what()).find("pg::Pool") != std::string::npos;
    }
    EXPECT_TRUE(refused);
    co_await slow;
    EXPECT_EQ((co_await conn.query("SELECT 7")).scalar<int>(), 7);
}

SIMUL_TEST_REAL_CLOCK(PgConnection, AConnectionKilledByTheServerIsBrokenWithAConnectionError) {
    auto victim = co_await connect();
    auto admin = co_await connect();
    co_await admin.query("SELECT pg_terminate_backend($1)", victim.backend_pid());
    bool lost = false;
    std::string what;
    for (int i = 0; i < 50 && !lost; ++i) {  // the termination takes a moment
        try {
            co_await victim.query("SELECT 1");
            co_await simul::sleep(20ms);
        } catch (const pg::ConnectionError& e) {
            lost = true;
            what = e.what();
        }
    }
    EXPECT_TRUE(lost);
    EXPECT_TRUE(victim.is_broken());
    bool again = false;
    try {
        co_await victim.query("SELECT 1");
    } catch (const pg::ConnectionError& e) {
        again = std::string(e.what()).find("broken") != std::string::npos;
    }
    EXPECT_TRUE(again) << what;
}

SIMUL_TEST_REAL_CLOCK(PgConnection, ManyConnectionsWorkConcurrentlyOnOneLoop) {
    std::vector<simul::TaskHandle<int>> tasks;
    for (int i = 0; i < 20; ++i) {
        tasks.push_back(simul::spawn([](int i) -> simul::Task<int> {
            auto c = co_await connect();
            auto r = co_await c.query("SELECT $1::int4 * 2 FROM pg_sleep(0.1)", i);
            co_return r.scalar<int>();
        }(i)));
    }
    const auto t0 = std::chrono::steady_clock::now();
    int sum = 0;
    for (auto& t : tasks) sum += co_await t;
    EXPECT_EQ(sum, 2 * (19 * 20 / 2));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);  // the sleeps overlap
}

namespace {
std::size_t open_descriptors() {
    std::size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) (void)e, ++n;
    return n;
}
}  // namespace

SIMUL_TEST_REAL_CLOCK(PgConnection, ClosedBrokenAndAbandonedConnectionsLeaveNoDescriptorBehind) {
    auto admin = co_await connect();
    const std::size_t before = open_descriptors();
    {
        std::vector<pg::Connection> conns;
        for (int i = 0; i < 10; ++i) conns.push_back(co_await connect());
        co_await admin.query("SELECT pg_terminate_backend($1)", conns[0].backend_pid());
        co_await simul::sleep(50ms);
        try {
            co_await conns[0].query("SELECT 1");
        } catch (const pg::ConnectionError&) {
        }
        EXPECT_TRUE(conns[0].is_broken());
        conns[1].close();
        auto abandoned = simul::spawn(connect());
        co_await simul::yield();
        abandoned.cancel();
        try {
            co_await abandoned;
        } catch (const simul::Cancelled&) {
        }
        EXPECT_GT(open_descriptors(), before);
    }
    EXPECT_EQ(open_descriptors(), before);
}
