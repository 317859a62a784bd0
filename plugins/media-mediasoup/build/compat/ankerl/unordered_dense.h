// kuaichu build fix (mediasoup >= 3.13): a stand-in for martinus/unordered_dense.
//
// Why: mediasoup's worker uses ankerl::unordered_dense::{map,set,hash}, a header-only library it
// normally downloads as a meson subproject. Debian 12 does not package it and this build must not
// download anything, so the names are mapped onto the standard containers, which offer every
// member mediasoup calls (insert/emplace/find/erase/at/operator[]/iteration). The standard
// containers are slower than ankerl's flat tables but have stronger iterator-stability
// guarantees, so no mediasoup code can be broken by the swap. See docs/media-worker.md.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	// ankerl's hash<T> is used directly (`hash<uint16_t>{}(x)`) and as the default hasher.
	template<class T, class Enable = void>
	struct hash : std::hash<T>
	{
	};

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<class Key, class Hash = hash<Key>, class KeyEqual = std::equal_to<Key>, class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense
