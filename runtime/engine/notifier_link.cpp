#include "runtime/engine/notifier_link.hpp"

#include <caf/send.hpp>

#include "actors/notifier.hpp"

namespace intentd {

namespace {

class subscriber_handle final : public subscriber {
public:
  subscriber_handle(std::shared_ptr<notifier_link> link, uint64_t id)
      : link_(std::move(link)), id_(id) {}

  ~subscriber_handle() override { link_->send(detach_atom::value, id_); }

  void subscribe(subscription_target target, const std::string& key) override {
    link_->send(subscribe_atom::value, id_, target, key);
  }

  void unsubscribe(subscription_target target,
                   const std::string& key) override {
    link_->send(unsubscribe_atom::value, id_, target, key);
  }

private:
  std::shared_ptr<notifier_link> link_;
  uint64_t id_;
};

} // namespace

notifier_link::notifier_link(notifier_actor notifier)
    : notifier_(std::move(notifier)) {}

std::unique_ptr<subscriber> notifier_link::attach(notice_handler on_notice) {
  auto id = ++next_id_;
  send(attach_atom::value, id, notice_sink{std::move(on_notice)});
  return std::make_unique<subscriber_handle>(shared_from_this(), id);
}

void notifier_link::cut() {
  std::lock_guard<std::mutex> lock(mu_);
  notifier_ = nullptr;
}

} // namespace intentd
