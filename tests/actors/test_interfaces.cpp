#include <doctest/doctest.h>

#include <type_traits>

#include <caf/check_typed_input.hpp>
#include <caf/detail/is_complete.hpp>
#include <caf/response_type.hpp>

#include "actors/cache.hpp"
#include "actors/chain.hpp"
#include "actors/directory.hpp"
#include "actors/intent.hpp"
#include "actors/notifier.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/record_reader.hpp"
#include "actors/solver.hpp"
#include "actors/storage_writer.hpp"
#include "actors/sweeper.hpp"

using namespace intentd;

namespace {

/// A type another node can decode: an atom, or a type with a type id.
template<class T>
constexpr bool routable_type =
    std::is_void<T>::value || caf::is_atom_constant<T>::value ||
    caf::detail::is_complete<caf::type_id<T>>::value;

template<class... Is, class... Os>
constexpr bool routable(
    caf::typed_mpi<caf::detail::type_list<Is...>, caf::output_tuple<Os...>>*) {
  return (routable_type<Is> && ...) && (routable_type<Os> && ...);
}

template<class... Sigs>
constexpr bool routable_all(caf::detail::type_list<Sigs...>*) {
  return (routable(static_cast<Sigs*>(nullptr)) && ...);
}

/// Every request and every reply of `Handle` has a type id.
template<class Handle>
constexpr bool all_routable() {
  return routable_all(static_cast<caf::signatures_of_t<Handle>*>(nullptr));
}

template<class Handle, class Reply, class... In>
constexpr bool replies_with = std::is_same<
    typename caf::response_type<caf::signatures_of_t<Handle>, In...>::type,
    caf::detail::type_list<Reply>>::value;

} // namespace

// What a later cluster routes between nodes: every message of these
// interfaces, in both directions, has a type id.
static_assert(all_routable<directory_actor>());
static_assert(all_routable<intent_actor>());
static_assert(all_routable<solver_pool_actor>());
static_assert(all_routable<chain_actor>());
static_assert(all_routable<cache_actor>());
static_assert(all_routable<record_reader_actor>());
static_assert(all_routable<sweeper_actor>());
static_assert(all_routable<rate_limiter_actor>());

// The notifier takes a local sink on attach; all else it takes is routable.
static_assert(routable_type<subscription_target>);
static_assert(routable_type<std::vector<intent_update>>);
static_assert(routable_type<notifier_stats>);
static_assert(!routable_type<notice_sink>);
// The storage writer runs local jobs; the records it writes are routable.
static_assert(!routable_type<storage_job>);
static_assert(routable_type<intent_record>);
static_assert(routable_type<write_outcome>);

// The replies the engine and the directory rely on.
static_assert(replies_with<directory_actor, submit_outcome, submit_atom, intent,
                           std::string>);
static_assert(
    replies_with<directory_actor, record_outcome, cancel_atom, std::string>);
static_assert(replies_with<intent_actor, submit_outcome, start_atom>);
static_assert(
    replies_with<intent_actor, record_outcome, start_atom, retry_atom>);
static_assert(replies_with<record_reader_actor, records_outcome, live_atom,
                           std::string, uint32_t>);
static_assert(replies_with<record_reader_actor, live_page_outcome, recover_atom,
                           std::string, uint32_t>);

TEST_CASE("the spawn functions hand out typed handles") {
  using caf::actor_system;
  CHECK(std::is_same<decltype(spawn_directory(std::declval<actor_system&>(),
                                              intent_deps{},
                                              directory_options{})),
                     directory_actor>::value);
  CHECK(std::is_same<decltype(spawn_solver_pool(std::declval<actor_system&>(),
                                                chain_actor{},
                                                solver_pool_options{})),
                     solver_pool_actor>::value);
  CHECK(std::is_same<decltype(spawn_record_reader(std::declval<actor_system&>(),
                                                  read_fn{})),
                     record_reader_actor>::value);
  CHECK(std::is_same<decltype(spawn_notifier(std::declval<actor_system&>(),
                                             record_reader_actor{},
                                             notifier_options{})),
                     notifier_actor>::value);
}
