// intentctl: keys, signed intents and a few calls to an intentd daemon.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/load.hpp"
#include "runtime/ctl/http_call.hpp"
#include "runtime/ctl/sign_file.hpp"
#include "runtime/model/read_token.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

namespace {

using nlohmann::json;
using namespace intentd;

constexpr const char* usage = R"(usage: intentctl COMMAND [options]

  keygen                       print a new ed25519 seed and its public key
  solver-keygen [SOLVER_ID]    a new ed25519 key pair for an external solver
                               (of --seed when given): JSON, then its
                               solvers.external entry for the daemon's config
  pubkey                       print the public key of --seed
  sign [FILE]                  sign an intent (JSON from FILE or stdin)
  submit [FILE]                sign an intent and POST it
  status ID                    GET an intent
  cancel ID                    cancel an intent, signed with --seed
  register ACCOUNT [PUBKEY]    register a public key (default: of --seed)
  read-token ACCOUNT           print a read token for ACCOUNT, signed with
                               --seed, living --ttl seconds

options:
  --seed HEX      private seed (or INTENTCTL_SEED; solver-keygen: --seed only)
  --account ID    solver-keygen: the solver's paying account (default
                  SOLVER_ID.near)
  --url URL       daemon (default http://127.0.0.1:8080, or INTENTCTL_URL)
  --api-key KEY   admin API key for register (or INTENTCTL_API_KEY)
  --config FILE   the daemon's config: tokens and limits to sign with
  --nonce N       the nonce to sign (default: microseconds since the epoch)
  --unsigned      submit without signing
  --ttl SECONDS   a read token's life (default 300; the daemon refuses more
                  than its security.read_token_max_ttl_s)
)";

struct options {
  std::vector<std::string> args;
  std::map<std::string, std::string> named;
  bool unsigned_submit = false;

  std::string get(const std::string& name, const char* env,
                  std::string fallback = {}) const {
    if (auto i = named.find(name); i != named.end())
      return i->second;
    if (const char* v = env != nullptr ? std::getenv(env) : nullptr)
      return v;
    return fallback;
  }
};

options parse_args(int argc, char** argv) {
  options out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.args.insert(out.args.begin(), "help");
    } else if (arg == "--unsigned") {
      out.unsigned_submit = true;
    } else if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= argc)
        throw std::runtime_error(arg + " needs a value");
      out.named[arg.substr(2)] = argv[++i];
    } else {
      out.args.push_back(arg);
    }
  }
  return out;
}

std::string read_input(const options& o, size_t index) {
  std::stringstream text;
  if (o.args.size() > index && o.args[index] != "-") {
    std::ifstream in{o.args[index]};
    if (!in)
      throw std::runtime_error("cannot read " + o.args[index]);
    text << in.rdbuf();
  } else {
    text << std::cin.rdbuf();
  }
  return text.str();
}

ed25519_keys seed_keys(const options& o) {
  auto seed = o.get("seed", "INTENTCTL_SEED");
  if (seed.empty())
    throw std::runtime_error("give the private seed with --seed or "
                             "INTENTCTL_SEED (intentctl keygen makes one)");
  return ctl::keys_from_hex(seed);
}

std::string hex_of(const std::array<unsigned char, 32>& bytes) {
  return to_hex({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

/// solver_id for solvers.external: 1 to 64 of [A-Za-z0-9_.-].
bool valid_solver_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

/// Prints a solver's keys as JSON, then its solvers.external entry.
int solver_keygen(const options& o) {
  std::string id = o.args.size() > 1 ? o.args[1] : "solver-1";
  if (!valid_solver_id(id))
    throw std::runtime_error("\"" + id +
                             "\" is not a solver id: 1 to 64 characters of "
                             "A-Z, a-z, 0-9, '_', '.' and '-'");
  std::string account = o.get("account", nullptr, id + ".near");
  if (!valid_account(account))
    throw std::runtime_error("\"" + account +
                             "\" is not an account id (give --account)");
  auto seed = o.get("seed", nullptr);
  auto keys = seed.empty()
                  ? generate_keys()
                  : std::optional<ed25519_keys>{ctl::keys_from_hex(seed)};
  if (!keys)
    throw std::runtime_error("no entropy for a key");
  auto key = hex_of(keys->public_key);
  std::cout << json{{"seed", hex_of(keys->seed)},
                    {"public_key", key},
                    {"solver_id", id},
                    {"account", account}}
                   .dump()
            << "\n# under solvers.external in the daemon's config; the seed "
               "stays with the solver:\n"
            << "- {solver_id: \"" << id << "\", public_key: \"" << key
            << "\", account: \"" << account << "\"}\n";
  return 0;
}

cfg::config load_config(const options& o) {
  auto path = o.get("config", nullptr);
  if (path.empty())
    return cfg::config{};
  return cfg::load_file(path);
}

/// Prints the daemon's answer; exit status 0 for 2xx, 1 otherwise.
int print_answer(const ctl::http_answer& a) {
  std::cout << a.status << " " << a.body << "\n";
  return a.status >= 200 && a.status < 300 ? 0 : 1;
}

json signed_intent(const options& o) {
  std::string text = read_input(o, 1);
  json body = json::parse(text);
  if (auto nonce = o.get("nonce", nullptr); !nonce.empty())
    body["nonce"] = std::stoull(nonce);
  auto keys = seed_keys(o);
  auto config = load_config(o);
  return ctl::sign_json(std::move(body), keys, config);
}

int run(const options& o) {
  if (o.args.empty())
    throw std::runtime_error("no command");
  const auto& cmd = o.args[0];
  auto url = o.get("url", "INTENTCTL_URL", "http://127.0.0.1:8080");
  if (cmd == "keygen") {
    auto keys = generate_keys();
    if (!keys)
      throw std::runtime_error("no entropy for a key");
    std::cout << json{{"seed", hex_of(keys->seed)},
                      {"public_key", hex_of(keys->public_key)}}
                     .dump()
              << "\n";
    return 0;
  }
  if (cmd == "solver-keygen")
    return solver_keygen(o);
  if (cmd == "pubkey") {
    std::cout << hex_of(seed_keys(o).public_key) << "\n";
    return 0;
  }
  if (cmd == "sign") {
    std::cout << signed_intent(o).dump() << "\n";
    return 0;
  }
  if (cmd == "submit") {
    auto body =
        o.unsigned_submit ? json::parse(read_input(o, 1)) : signed_intent(o);
    return print_answer(
        ctl::http_call(url, "POST", "/api/v1/intents", body.dump()));
  }
  if (o.args.size() < 2)
    throw std::runtime_error(cmd + " needs an argument");
  const auto& arg = o.args[1];
  if (cmd == "status")
    return print_answer(ctl::http_call(url, "GET", "/api/v1/intents/" + arg));
  if (cmd == "cancel") {
    auto keys = seed_keys(o);
    auto current = ctl::http_call(url, "GET", "/api/v1/intents/" + arg);
    if (current.status != 200)
      return print_answer(current);
    auto nonce = json::parse(current.body).at("nonce").get<uint64_t>();
    auto key = hex_of(keys.public_key);
    auto message = cancel_message(arg, nonce, key).value_or("");
    json body = {{"public_key", key},
                 {"signature", sign_message(keys, message)}};
    return print_answer(ctl::http_call(
        url, "POST", "/api/v1/intents/" + arg + "/cancel", body.dump()));
  }
  if (cmd == "register") {
    auto key = o.args.size() > 2 ? o.args[2] : hex_of(seed_keys(o).public_key);
    json body = {{"public_key", key}};
    return print_answer(
        ctl::http_call(url, "POST", "/api/v1/accounts/" + arg + "/keys",
                       body.dump(), o.get("api-key", "INTENTCTL_API_KEY")));
  }
  if (cmd == "read-token") {
    if (!valid_account(arg))
      throw std::runtime_error("\"" + arg + "\" is not an account id");
    auto ttl = std::stoll(o.get("ttl", nullptr, "300"));
    if (ttl < 1)
      throw std::runtime_error("--ttl must be at least 1 second");
    auto now = wall_clock_now() / 1'000'000;
    std::cout << make_read_token(seed_keys(o), arg, now, now + ttl) << "\n";
    return 0;
  }
  throw std::runtime_error("unknown command " + cmd);
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto o = parse_args(argc, argv);
    if (o.args.empty() || o.args[0] == "help" || o.named.count("help")) {
      std::cout << usage;
      return o.args.empty() ? 2 : 0;
    }
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "intentctl: " << e.what() << "\n";
    return 2;
  }
}
