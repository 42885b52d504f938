// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title MerkleReference
/// @notice The recursive definitions of RFC 9162 §2.1, written out literally for tests: MTH
///         (§2.1.1), PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1). Independent of the bitwise verifier
///         in contracts/src/RFC9162.sol, and slow (no stored nodes): for small trees only.
/// @dev `leaves` are leaf hashes; a range [start, end) of them is the list D[n] of the RFC.
library MerkleReference {
    /// @notice SHA-256(0x00 || data) (RFC 9162 §2.1.1).
    function leafHash(bytes memory data) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), data));
    }

    /// @notice MTH(D[start:end]) (RFC 9162 §2.1.1).
    function mth(bytes32[] memory leaves, uint256 start, uint256 end)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = end - start;
        if (n == 0) return sha256("");
        if (n == 1) return leaves[start];
        uint256 k = _split(n);
        return sha256(
            abi.encodePacked(
                bytes1(0x01), mth(leaves, start, start + k), mth(leaves, start + k, end)
            )
        );
    }

    /// @notice PATH(m, D[start:end]): the inclusion proof of leaf m (RFC 9162 §2.1.3.1).
    function path(uint256 m, bytes32[] memory leaves, uint256 start, uint256 end)
        internal
        pure
        returns (bytes32[] memory)
    {
        uint256 n = end - start;
        if (n == 1) return new bytes32[](0);
        uint256 k = _split(n);
        if (m < k) return _append(path(m, leaves, start, start + k), mth(leaves, start + k, end));
        return _append(path(m - k, leaves, start + k, end), mth(leaves, start, start + k));
    }

    /// @notice PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 9162 §2.1.4.1), for 0 < m <= n.
    function consistency(uint256 m, bytes32[] memory leaves, uint256 n)
        internal
        pure
        returns (bytes32[] memory)
    {
        return _subproof(m, leaves, 0, n, true);
    }

    function _subproof(uint256 m, bytes32[] memory leaves, uint256 start, uint256 end, bool b)
        private
        pure
        returns (bytes32[] memory proof)
    {
        uint256 n = end - start;
        if (m == n) {
            if (b) return new bytes32[](0);
            proof = new bytes32[](1);
            proof[0] = mth(leaves, start, end);
            return proof;
        }
        uint256 k = _split(n);
        if (m <= k) {
            return _append(_subproof(m, leaves, start, start + k, b), mth(leaves, start + k, end));
        }
        return
            _append(_subproof(m - k, leaves, start + k, end, false), mth(leaves, start, start + k));
    }

    /// @dev The largest power of two smaller than n (n > 1).
    function _split(uint256 n) private pure returns (uint256 k) {
        k = 1;
        while (k << 1 < n) k <<= 1;
    }

    function _append(bytes32[] memory list, bytes32 value)
        private
        pure
        returns (bytes32[] memory out)
    {
        out = new bytes32[](list.length + 1);
        for (uint256 i; i < list.length; ++i) {
            out[i] = list[i];
        }
        out[list.length] = value;
    }
}
