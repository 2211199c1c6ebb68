#include "runtime/model/signing.hpp"

#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace intentd {

namespace {

constexpr std::string_view intent_tag = "intentd-intent-v1";
constexpr std::string_view cancel_tag = "intentd-cancel-v1";

// The order L of the ed25519 group, little-endian.
constexpr unsigned char group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

void frame(std::string& out, std::string_view field) {
  auto n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

std::string_view view(const std::array<unsigned char, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

} // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_digit(text[i]);
    int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<ed25519_keys> keys_from_seed(std::string_view seed) {
  if (seed.size() != 32)
    return std::nullopt;
  pkey_ptr key{EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size())};
  if (!key)
    return std::nullopt;
  ed25519_keys out;
  std::copy(seed.begin(), seed.end(), out.seed.begin());
  size_t size = out.public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.public_key.data(), &size) !=
          1 ||
      size != out.public_key.size())
    return std::nullopt;
  return out;
}

std::optional<ed25519_keys> generate_keys() {
  unsigned char seed[32];
  if (RAND_bytes(seed, sizeof(seed)) != 1)
    return std::nullopt;
  return keys_from_seed({reinterpret_cast<const char*>(seed), sizeof(seed)});
}

std::optional<std::string> canonical_message(const intent& in) {
  auto key = from_hex(in.public_key);
  if (!key || key->size() != 32)
    return std::nullopt;
  std::string out;
  frame(out, intent_tag);
  frame(out, in.id);
  frame(out, in.user_account);
  frame(out, to_string(in.action));
  frame(out, in.input_token);
  frame(out, to_string(in.input_amount));
  frame(out, in.output_token);
  frame(out, to_string(in.min_output_amount));
  frame(out, std::to_string(in.max_slippage_bps));
  frame(out, in.recipient);
  frame(out, std::to_string(in.expires_at));
  frame(out, std::to_string(in.nonce));
  frame(out, *key);
  return out;
}

std::optional<std::string> cancel_message(std::string_view id, uint64_t nonce,
                                          std::string_view public_key_hex) {
  auto key = from_hex(public_key_hex);
  if (!key || key->size() != 32)
    return std::nullopt;
  std::string out;
  frame(out, cancel_tag);
  frame(out, id);
  frame(out, std::to_string(nonce));
  frame(out, *key);
  return out;
}

std::string sign_message(const ed25519_keys& keys, std::string_view message) {
  pkey_ptr key{EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, keys.seed.data(), keys.seed.size())};
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  unsigned char sig[64];
  size_t size = sizeof(sig);
  if (!key || !ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig, &size,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    return {};
  return to_hex({reinterpret_cast<const char*>(sig), size});
}

void sign_intent(intent& in, const ed25519_keys& keys) {
  in.public_key = to_hex(view(keys.public_key));
  in.signature = sign_message(keys, canonical_message(in).value_or(""));
}

bool canonical_signature(std::string_view signature) {
  if (signature.size() != 64)
    return false;
  // S is the upper 32 bytes, little-endian; compare from the top byte down.
  for (int i = 31; i >= 0; --i) {
    auto s = static_cast<unsigned char>(signature[32 + i]);
    if (s != group_order[i])
      return s < group_order[i];
  }
  return false; // S == L
}

bool verify_signature(std::string_view public_key, std::string_view message,
                      std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64)
    return false;
  pkey_ptr key{EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size())};
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!key || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1)
    return false;
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size()) == 1;
}

} // namespace intentd
