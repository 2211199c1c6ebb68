#include "actors/record_reader.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace intentd {

namespace {

record_reader_actor::behavior_type reader_impl(read_fn read, live_list_fn list,
                                               nonce_owner_fn nonce,
                                               live_page_fn pages) {
  return {
      [=](get_atom, const std::string& id) -> record_outcome {
        try {
          return read(id);
        } catch (const std::exception& e) {
          return problem{errc::storage_unavailable, e.what(), {}};
        }
      },
      [=](live_atom, const std::string& user,
          uint32_t limit) -> records_outcome {
        if (!list)
          return std::vector<intent_record>{};
        try {
          return list(user, limit);
        } catch (const std::exception& e) {
          return problem{errc::storage_unavailable, e.what(), {}};
        }
      },
      [=](nonce_atom, const std::string& user,
          uint64_t n) -> nonce_owner_outcome {
        if (!nonce)
          return problem{errc::internal, "This reader has no nonce index.", {}};
        try {
          return nonce(user, n);
        } catch (const std::exception& e) {
          return problem{errc::storage_unavailable, e.what(), {}};
        }
      },
      [=](recover_atom, const std::string& after,
          uint32_t limit) -> live_page_outcome {
        if (!pages)
          return problem{
              errc::internal, "This reader cannot read the live intents.", {}};
        try {
          return pages(after, limit);
        } catch (const std::exception& e) {
          return problem{
              errc::storage_unavailable,
              std::string("recovery cannot read the live intents: ") + e.what(),
              {}};
        }
      },
  };
}

template<class Store>
live_list_fn list_live_over(std::shared_ptr<const Store> store) {
  return [store](const std::string& user, uint32_t limit) -> records_outcome {
    std::vector<intent_record> out;
    if (limit == 0)
      return out;
    for (auto s : {intent_status::pending, intent_status::verified,
                   intent_status::executing}) {
      list_query q;
      q.user = user;
      q.status = s;
      q.limit = limit;
      auto page = store->list(q);
      if (!page)
        return page.error();
      for (auto& rec : page->items)
        out.push_back(std::move(rec));
    }
    // The newest `limit` of the three listings, oldest of them first.
    auto newer = [](const intent_record& a, const intent_record& b) {
      if (a.created_at != b.created_at)
        return a.created_at > b.created_at;
      return a.request.id > b.request.id;
    };
    std::sort(out.begin(), out.end(), newer);
    if (out.size() > limit)
      out.resize(limit);
    std::reverse(out.begin(), out.end());
    return out;
  };
}

template<class Store>
nonce_owner_fn nonce_owner_over(std::shared_ptr<const Store> store) {
  return
      [store](const std::string& user, uint64_t nonce) -> nonce_owner_outcome {
        auto owner = store->nonce_owner(user, nonce);
        if (!owner)
          return owner.error();
        return nonce_owner{std::move(*owner)};
      };
}

template<class Store>
live_page_fn live_pages_over(std::shared_ptr<const Store> store) {
  return
      [store](const std::string& after, uint32_t limit) -> live_page_outcome {
        return store->live_after(after, limit);
      };
}

} // namespace

live_list_fn list_live_of(std::shared_ptr<const intent_store> store) {
  return list_live_over(std::move(store));
}

live_list_fn list_live_of(std::shared_ptr<const record_store> store) {
  return list_live_over(std::move(store));
}

nonce_owner_fn nonce_owner_of(std::shared_ptr<const intent_store> store) {
  return nonce_owner_over(std::move(store));
}

nonce_owner_fn nonce_owner_of(std::shared_ptr<const record_store> store) {
  return nonce_owner_over(std::move(store));
}

live_page_fn live_pages_of(std::shared_ptr<const intent_store> store) {
  return live_pages_over(std::move(store));
}

live_page_fn live_pages_of(std::shared_ptr<const record_store> store) {
  return live_pages_over(std::move(store));
}

record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list, nonce_owner_fn nonce,
                                        live_page_fn pages, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(reader_impl, std::move(read),
                                    std::move(list), std::move(nonce),
                                    std::move(pages));
  return sys.spawn(reader_impl, std::move(read), std::move(list),
                   std::move(nonce), std::move(pages));
}

record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list, nonce_owner_fn nonce,
                                        bool detached) {
  return spawn_record_reader(sys, std::move(read), std::move(list),
                             std::move(nonce), live_page_fn{}, detached);
}

record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list, bool detached) {
  return spawn_record_reader(sys, std::move(read), std::move(list),
                             nonce_owner_fn{}, detached);
}

record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        bool detached) {
  return spawn_record_reader(sys, std::move(read), live_list_fn{}, detached);
}

} // namespace intentd
