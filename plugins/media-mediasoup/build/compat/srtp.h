// kuaichu build fix (mediasoup >= 3.13): mediasoup's libsrtp 3 API on top of Debian's libsrtp2.
//
// Why: since 3.13 the worker builds against versatica's fork of libsrtp 3.0 (a meson subproject
// it downloads), whose API differs from libsrtp 2.5 shipped by Debian 12 (libsrtp2-dev):
//   - srtp_protect/unprotect(_rtcp) take (input, input_len, output, &output_len[, mki_index])
//     with size_t lengths instead of working in place on (buffer, &int_len);
//   - policies are opaque objects built with srtp_policy_create/set_ssrc/set_profile/add_key/
//     set_allow_repeat_tx/set_window_size/destroy (since mediasoup 3.23) instead of a public
//     struct filled in by the caller;
//   - srtp_remove_stream was renamed srtp_stream_remove;
//   - two error codes were added (buffer_small, cryptex_err).
// The wire format and the crypto are the same, so a thin C++ layer of overloads maps one onto
// the other. The only SRTP users in the worker are src/RTC/SrtpSession.cpp and
// src/DepLibSRTP.cpp; mediasoup's own callers already guarantee SRTP_MAX_TRAILER_LEN bytes of
// room after every packet, which libsrtp2's in-place functions require.
#pragma once

#include <srtp2/srtp.h>

#ifdef __cplusplus

#include <cstdint>
#include <cstring>
#include <climits>
#include <new>

// Error codes that exist only in libsrtp 3 (values as there); libsrtp2 never returns them.
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

// libsrtp 3's opaque policy: a libsrtp2 policy plus storage for the concatenated key || salt.
struct kuaichu_srtp_policy
{
	::srtp_policy_t policy;
	unsigned char key[SRTP_MAX_KEY_LEN];
};
using kuaichu_srtp_policy_t = kuaichu_srtp_policy*;

inline srtp_err_status_t srtp_policy_create(kuaichu_srtp_policy_t* policy)
{
	auto* p = new (std::nothrow) kuaichu_srtp_policy{};
	if (p == nullptr)
		return srtp_err_status_alloc_fail;
	p->policy.key                 = p->key;
	p->policy.window_size         = 128;
	p->policy.allow_repeat_tx     = 0;
	p->policy.next                = nullptr;
	*policy                       = p;
	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(kuaichu_srtp_policy_t policy)
{
	delete policy;
}

inline srtp_err_status_t srtp_policy_set_ssrc(kuaichu_srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	policy->policy.ssrc = ssrc;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(kuaichu_srtp_policy_t policy, srtp_profile_t profile)
{
	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->policy.rtp, profile);
	if (err != srtp_err_status_ok)
		return err;
	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->policy.rtcp, profile);
}

inline srtp_err_status_t srtp_policy_add_key(
  kuaichu_srtp_policy_t policy,
  const uint8_t* key,
  size_t keyLen,
  const uint8_t* salt,
  size_t saltLen,
  const uint8_t* /*mki*/,
  size_t mkiLen)
{
	// libsrtp2 takes one buffer holding the master key immediately followed by the salt.
	if (mkiLen != 0 || keyLen + saltLen > sizeof(policy->key))
		return srtp_err_status_bad_param;
	std::memcpy(policy->key, key, keyLen);
	std::memcpy(policy->key + keyLen, salt, saltLen);
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(kuaichu_srtp_policy_t policy, bool allow)
{
	policy->policy.allow_repeat_tx = allow ? 1 : 0;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(kuaichu_srtp_policy_t policy, size_t size)
{
	policy->policy.window_size = static_cast<unsigned long>(size);
	return srtp_err_status_ok;
}

// Overload of libsrtp2's srtp_create(srtp_t*, const srtp_policy_t*) for the opaque policy.
inline srtp_err_status_t srtp_create(srtp_t* session, kuaichu_srtp_policy_t policy)
{
	return ::srtp_create(session, &policy->policy);
}

namespace kuaichu_srtp_detail
{
	// libsrtp 3 style (in, inLen, out, &outLen) on top of libsrtp2's in-place (buf, &intLen).
	template<class Fn>
	inline srtp_err_status_t inPlace(Fn fn, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen)
	{
		if (inLen > static_cast<size_t>(INT_MAX))
			return srtp_err_status_bad_param;
		if (out != in)
			std::memmove(out, in, inLen);
		int len                 = static_cast<int>(inLen);
		const srtp_err_status_t err = fn(out, &len);
		if (err == srtp_err_status_ok)
			*outLen = static_cast<size_t>(len);
		return err;
	}
} // namespace kuaichu_srtp_detail

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mkiIndex*/)
{
	return kuaichu_srtp_detail::inPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_protect(ctx, buf, len); }, rtp, rtpLen, srtp, srtpLen);
}

inline srtp_err_status_t srtp_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return kuaichu_srtp_detail::inPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_unprotect(ctx, buf, len); }, srtp, srtpLen, rtp, rtpLen);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mkiIndex*/)
{
	return kuaichu_srtp_detail::inPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_protect_rtcp(ctx, buf, len); }, rtcp, rtcpLen, srtcp, srtcpLen);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return kuaichu_srtp_detail::inPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_unprotect_rtcp(ctx, buf, len); }, srtcp, srtcpLen, rtcp, rtcpLen);
}

// Renamed in libsrtp 3; both take the SSRC in network byte order (mediasoup passes htonl(ssrc)).
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return ::srtp_remove_stream(session, ssrc);
}

// From here on mediasoup's `srtp_policy_t` means the opaque libsrtp 3 policy handle.
#define srtp_policy_t kuaichu_srtp_policy_t

#endif // __cplusplus
