// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {RFC9162} from "./RFC9162.sol";

/// @title RegistryAnchor
/// @notice Anchors the roots of the Tamga node's append-only RFC 9162 Merkle log (the journal of
///         the Unified State Register of Virtual Asset Emissions) together with the register's
///         state root. Every anchor must be a checkpoint the node signed: the contract rebuilds
///         the checkpoint body the node signs (node/checkpoint.py, `tamga-checkpoint/v1`) from the
///         anchored values, the log's origin fixed at deployment and the few extra fields given,
///         and checks its EIP-191 signature against the checkpoint keys the admin registered.
///         Each anchor must also extend the previous one: after the first, it carries an RFC 9162
///         §2.1.4 consistency proof from the latest anchored tree, checked on chain, so the
///         anchored history can only grow, never fork or be rewritten.
/// @dev Roles (OpenZeppelin AccessControl): ANCHOR_ROLE sends anchors (the transaction key);
///      PAUSER_ROLE or the admin (DEFAULT_ADMIN_ROLE) pause and unpause; the admin grants and
///      revokes roles and registers and revokes checkpoint signers ({setCheckpointSigner}), which
///      is how the node rotates either key. A stolen transaction key alone cannot anchor: it has
///      no checkpoint signature. Storage per anchored size is two slots (log root and state
///      root), the least that lets anyone read both roots of any anchored size on chain; the
///      latest tree size and the latest anchor's time share one slot with the pause flag. An
///      earlier anchor's time is not stored: its `Anchored` event carries it, and it is the
///      timestamp of the block that holds that event. The origin is kept in immutables (code,
///      not storage), at most 96 bytes.
contract RegistryAnchor is AccessControl, Pausable {
    /// @notice The role allowed to call {anchor}.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    /// @notice The role allowed (besides the admin) to call {pause} and {unpause}.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The longest origin the contract accepts, in bytes.
    uint256 public constant MAX_ORIGIN_LENGTH = 96;

    /// @dev secp256k1n / 2: a larger `s` is the malleable twin of a valid signature (EIP-2).
    uint256 private constant _HALF_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev What is stored for one anchored tree size (two slots).
    struct Root {
        bytes32 logRoot;
        bytes32 stateRoot;
    }

    // The log's origin, left-aligned in three words, zero after its length.
    uint256 private immutable _originLength;
    bytes32 private immutable _origin0;
    bytes32 private immutable _origin1;
    bytes32 private immutable _origin2;

    // Declared first so that they share Pausable's storage slot: one cold read per anchor.
    uint64 private _latestTreeSize;
    uint64 private _latestAnchoredAt;
    mapping(uint64 treeSize => Root) private _roots;
    mapping(address signer => bool) private _checkpointSigners;

    /// @notice A log root and state root were anchored.
    /// @param treeSize The number of leaves in the anchored log tree.
    /// @param logRoot The RFC 9162 §2.1.1 root hash of the log tree of `treeSize` leaves.
    /// @param stateRoot The register's state root at that tree size.
    /// @param anchoredAt The block timestamp of the anchor (seconds since the Unix epoch).
    event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt);

    /// @notice A checkpoint signing key was registered (`allowed`) or revoked (not `allowed`).
    /// @param signer The address of the node's checkpoint key.
    /// @param allowed Whether checkpoints signed by it are now accepted.
    event CheckpointSignerSet(address indexed signer, bool allowed);

    /// @notice An address given is the zero address.
    error ZeroAddress();

    /// @notice The origin given to the constructor is empty, longer than MAX_ORIGIN_LENGTH, or
    ///         holds a newline (which would break the checkpoint body's one-field-a-line layout).
    /// @param length Its length in bytes.
    error InvalidOrigin(uint256 length);

    /// @notice The tree size to anchor is not larger than the latest anchored tree size.
    /// @param treeSize The tree size given.
    /// @param latestTreeSize The latest anchored tree size (0 before the first anchor).
    error TreeSizeNotLarger(uint64 treeSize, uint64 latestTreeSize);

    /// @notice The log root is zero, which {rootAt} uses to mean "never anchored".
    error ZeroLogRoot();

    /// @notice No root was anchored at this tree size.
    /// @param treeSize The tree size given.
    error NotAnchored(uint64 treeSize);

    /// @notice The checkpoint signature is malformed: not 65 bytes (r, s, v), `v` not 27 or 28,
    ///         `s` in the upper half of the curve order (malleable, EIP-2), or no key recovers.
    error InvalidCheckpointSignature();

    /// @notice The checkpoint signature recovers to a key that is not a registered checkpoint
    ///         signer. A checkpoint whose body differs from what the key signed (another size,
    ///         root, state root, state size, time or origin) recovers to an unrelated address,
    ///         so it also ends here.
    /// @param signer The address the signature recovers to over the rebuilt body.
    error UnknownCheckpointSigner(address signer);

    /// @notice Set up the roles, the first checkpoint key and the log's origin.
    /// @dev Reverts with ZeroAddress for a zero address, InvalidOrigin for a bad origin.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants and revokes roles and checkpoint
    ///        signers, may pause).
    /// @param anchorer Receives ANCHOR_ROLE (the node's transaction key); may equal `admin`.
    /// @param checkpointSigner The node's checkpoint signing key (EIP-191), registered as signer.
    /// @param origin_ The log's origin, as in every checkpoint body (`origin <origin>` line).
    constructor(address admin, address anchorer, address checkpointSigner, string memory origin_) {
        if (admin == address(0) || anchorer == address(0) || checkpointSigner == address(0)) {
            revert ZeroAddress();
        }
        bytes memory text = bytes(origin_);
        uint256 length = text.length;
        if (length == 0 || length > MAX_ORIGIN_LENGTH) revert InvalidOrigin(length);
        for (uint256 i; i < length; ++i) {
            if (text[i] == 0x0a) revert InvalidOrigin(length);
        }
        bytes32 word0;
        bytes32 word1;
        bytes32 word2;
        assembly ("memory-safe") {
            word0 := mload(add(text, 0x20))
            word1 := mload(add(text, 0x40))
            word2 := mload(add(text, 0x60))
        }
        // Zero what follows the origin in the last words (memory past it may hold anything).
        _originLength = length;
        _origin0 = length >= 32 ? word0 : word0 & ~bytes32(type(uint256).max >> (8 * length));
        _origin1 = length >= 64
            ? word1
            : (length <= 32
                    ? bytes32(0)
                    : word1 & ~bytes32(type(uint256).max >> (8 * (length - 32))));
        _origin2 =
            length <= 64 ? bytes32(0) : word2 & ~bytes32(type(uint256).max >> (8 * (length - 64)));
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, anchorer);
        _setCheckpointSigner(checkpointSigner, true);
    }

    /// @dev Only holders of PAUSER_ROLE or DEFAULT_ADMIN_ROLE; others get
    ///      AccessControlUnauthorizedAccount(caller, PAUSER_ROLE).
    modifier onlyPauserOrAdmin() {
        if (!hasRole(PAUSER_ROLE, _msgSender()) && !hasRole(DEFAULT_ADMIN_ROLE, _msgSender())) {
            revert AccessControlUnauthorizedAccount(_msgSender(), PAUSER_ROLE);
        }
        _;
    }

    /// @notice Anchor the node-signed checkpoint of the log tree of `treeSize` leaves with root
    ///         `logRoot` and state root `stateRoot`.
    /// @dev Only ANCHOR_ROLE, only when not paused. Reverts with TreeSizeNotLarger unless
    ///      `treeSize` exceeds the latest anchored size and ZeroLogRoot for a zero `logRoot`.
    ///      Then the checkpoint body is rebuilt exactly as the node signs it (see
    ///      {checkpointBody}) and `signature` must be its EIP-191 version 0x45 signature
    ///      (keccak256("\x19Ethereum Signed Message:\n" + decimal length + body)) by a
    ///      registered checkpoint signer: InvalidCheckpointSignature for a malformed signature,
    ///      UnknownCheckpointSigner otherwise (also when any field differs from what was signed).
    ///      The first anchor is bound the same way and takes an empty proof
    ///      (InvalidProofLength otherwise). After the first anchor the proof must show, per RFC
    ///      9162 §2.1.4.2, that the new tree extends the latest anchored one
    ///      (RFC9162.verifyConsistency: InvalidProofLength, OldRootMismatch, NewRootMismatch).
    ///      Nothing is stored when it reverts.
    /// @param treeSize The number of leaves in the log tree (`size` line of the checkpoint).
    /// @param logRoot The RFC 9162 §2.1.1 root hash of that tree (`log_root`).
    /// @param stateRoot The register's state root at that tree size (`state_root`).
    /// @param stateSize The number of records under the state root (`state_size`).
    /// @param time The checkpoint's time exactly as signed (`time`): RFC 3339 UTC with
    ///        microseconds, 27 ASCII characters, e.g. `2026-11-22T01:47:16.000000Z`.
    /// @param signature The node's 65-byte EIP-191 signature (r, s, v) of the checkpoint body.
    /// @param consistencyProof The RFC 9162 §2.1.4.1 consistency proof from the latest anchored
    ///        tree to this one; empty for the first anchor.
    function anchor(
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time,
        bytes calldata signature,
        bytes32[] calldata consistencyProof
    ) external whenNotPaused onlyRole(ANCHOR_ROLE) {
        uint64 latestTreeSize = _latestTreeSize;
        if (treeSize <= latestTreeSize) revert TreeSizeNotLarger(treeSize, latestTreeSize);
        if (logRoot == bytes32(0)) revert ZeroLogRoot();
        address signer =
            _recover(_checkpointDigest(treeSize, logRoot, stateRoot, stateSize, time), signature);
        if (!_checkpointSigners[signer]) revert UnknownCheckpointSigner(signer);
        if (latestTreeSize == 0) {
            if (consistencyProof.length != 0) {
                revert RFC9162.InvalidProofLength(0, consistencyProof.length);
            }
        } else {
            RFC9162.verifyConsistency(
                latestTreeSize, treeSize, _roots[latestTreeSize].logRoot, logRoot, consistencyProof
            );
        }
        uint64 anchoredAt = uint64(block.timestamp);
        _roots[treeSize] = Root(logRoot, stateRoot);
        _latestTreeSize = treeSize;
        _latestAnchoredAt = anchoredAt;
        emit Anchored(treeSize, logRoot, stateRoot, anchoredAt);
    }

    /// @notice Register (`allowed`) or revoke (not `allowed`) a checkpoint signing key. Only
    ///         the admin. Rotating the node key is: register the new key, then revoke the old.
    /// @dev Reverts with ZeroAddress for the zero address and AccessControlUnauthorizedAccount
    ///      for a caller without DEFAULT_ADMIN_ROLE. Emits CheckpointSignerSet even when the
    ///      key's state does not change, so every admin decision is on record.
    /// @param signer The address of the checkpoint key.
    /// @param allowed Whether checkpoints it signs are accepted from now on.
    function setCheckpointSigner(address signer, bool allowed)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (signer == address(0)) revert ZeroAddress();
        _setCheckpointSigner(signer, allowed);
    }

    /// @notice Whether checkpoints signed by `signer` are accepted.
    /// @param signer An address.
    /// @return True when `signer` is a registered checkpoint signer.
    function isCheckpointSigner(address signer) external view returns (bool) {
        return _checkpointSigners[signer];
    }

    /// @notice The log's origin, fixed at deployment (the `origin` line of every checkpoint).
    /// @return The origin text.
    function origin() external view returns (string memory) {
        bytes memory text = new bytes(_originLength);
        bytes32 word0 = _origin0;
        bytes32 word1 = _origin1;
        bytes32 word2 = _origin2;
        assembly ("memory-safe") {
            mstore(add(text, 0x20), word0)
            mstore(add(text, 0x40), word1)
            mstore(add(text, 0x60), word2)
        }
        return string(text);
    }

    /// @notice The checkpoint body the node signs for these values (node/checkpoint.py
    ///         `Checkpoint.body()`), with this contract's origin: `tamga-checkpoint/v1`, then
    ///         `origin`, `size`, `log_root` (lowercase hex), `state_root`, `state_size` and
    ///         `time` lines, each ended by a newline. {anchor} checks the signature over it.
    /// @param treeSize The tree size.
    /// @param logRoot The log root.
    /// @param stateRoot The state root.
    /// @param stateSize The state size.
    /// @param time The time text (27 characters).
    /// @return body The exact bytes that are signed (without the EIP-191 prefix).
    function checkpointBody(
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time
    ) external view returns (bytes memory body) {
        uint256 start;
        uint256 end;
        assembly ("memory-safe") {
            body := mload(0x40)
            start := add(body, 0x20)
        }
        end = _writeBody(start, treeSize, logRoot, stateRoot, stateSize, time);
        assembly ("memory-safe") {
            mstore(body, sub(end, start))
            mstore(0x40, and(add(end, 0x1f), not(0x1f)))
        }
    }

    /// @dev keccak256 of the EIP-191 version 0x45 message of the checkpoint body. The message is
    ///      built in free memory, which is left unallocated (scratch). The body is 232 to 365
    ///      bytes long (origin at most 96 bytes), so its decimal length has three digits.
    function _checkpointDigest(
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time
    ) private view returns (bytes32 digest) {
        uint256 message;
        assembly ("memory-safe") {
            message := mload(0x40)
            mstore(message, "\x19Ethereum Signed Message:\n")
        }
        uint256 end = _writeBody(message + 29, treeSize, logRoot, stateRoot, stateSize, time);
        assembly ("memory-safe") {
            let length := sub(end, add(message, 29))
            mstore8(add(message, 26), add(48, div(length, 100)))
            mstore8(add(message, 27), add(48, mod(div(length, 10), 10)))
            mstore8(add(message, 28), add(48, mod(length, 10)))
            digest := keccak256(message, sub(end, message))
        }
    }

    /// @dev Write the checkpoint body at `p` (unallocated memory, 32 bytes of slack after each
    ///      field are overwritten); return where it ends.
    function _writeBody(
        uint256 p,
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time
    ) private view returns (uint256) {
        uint256 originLength = _originLength;
        bytes32 origin0 = _origin0;
        bytes32 origin1 = _origin1;
        bytes32 origin2 = _origin2;
        assembly ("memory-safe") {
            // The 16 decimal digits of x < 10^16, zero-padded, one ASCII byte each, most
            // significant first, in the low 128 bits. SWAR: the value is split into lanes that
            // halve in width at each step (64, 32, 16, 8 bits); each lane's quotient by 10^4,
            // 100 and 10 is its product with the rounded-up reciprocal, shifted (exact for the
            // lane's range: 10^8, 10^4 and 100).
            function digits16(x) -> d {
                d := or(shl(64, div(x, 100000000)), mod(x, 100000000))
                let q := and(shr(40, mul(d, 109951163)), 0x0000000000003fff0000000000003fff)
                d := or(shl(32, q), sub(d, mul(q, 10000)))
                q := and(shr(20, mul(d, 10486)), 0x0000007f0000007f0000007f0000007f)
                d := or(shl(16, q), sub(d, mul(q, 100)))
                q := and(shr(10, mul(d, 103)), 0x000f000f000f000f000f000f000f000f)
                d := or(shl(8, q), sub(d, mul(q, 10)))
                d := add(d, 0x30303030303030303030303030303030)
            }
            // The number of decimal digits of x < 10^16 (1 for 0).
            function digitCount(x) -> n {
                switch lt(x, 100000000)
                case 1 {
                    switch lt(x, 10000)
                    case 1 { n := add(add(1, gt(x, 9)), add(gt(x, 99), gt(x, 999))) }
                    default {
                        n := add(add(5, gt(x, 99999)), add(gt(x, 999999), gt(x, 9999999)))
                    }
                }
                default {
                    switch lt(x, 1000000000000)
                    case 1 {
                        n := add(
                            add(9, gt(x, 999999999)),
                            add(gt(x, 9999999999), gt(x, 99999999999))
                        )
                    }
                    default {
                        n := add(
                            add(13, gt(x, 9999999999999)),
                            add(gt(x, 99999999999999), gt(x, 999999999999999))
                        )
                    }
                }
            }
            // Write v < 2^64 in decimal (no leading zeros) at q; return where it ends.
            function decimal(q, v) -> end {
                let high := div(v, 10000000000000000)
                if high {
                    // At most 4 digits above the 16 low ones.
                    let n := digitCount(high)
                    mstore(q, shl(sub(256, mul(8, n)), digits16(high)))
                    q := add(q, n)
                    v := mod(v, 10000000000000000)
                    mstore(q, shl(128, digits16(v)))
                    end := add(q, 16)
                    leave
                }
                let n := digitCount(v)
                mstore(q, shl(sub(256, mul(8, n)), digits16(v)))
                end := add(q, n)
            }
            // Lowercase hex of the 16 bytes in the low half of x: 32 ASCII characters.
            function hex16(x) -> word {
                // Spread the nibbles one per byte, most significant first.
                x := and(x, 0xffffffffffffffffffffffffffffffff)
                x := and(
                    or(shl(64, x), x),
                    0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff
                )
                x := and(
                    or(shl(32, x), x),
                    0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
                )
                x := and(
                    or(shl(16, x), x),
                    0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
                )
                x := and(
                    or(shl(8, x), x),
                    0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
                )
                x := and(
                    or(shl(4, x), x),
                    0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
                )
                // '0' + n below 10, 'a' + n - 10 from 10: add 0x27 more where n + 6 carries.
                let letters :=
                    and(
                        shr(
                            4,
                            add(
                                x,
                                0x0606060606060606060606060606060606060606060606060606060606060606
                            )
                        ),
                        0x0101010101010101010101010101010101010101010101010101010101010101
                    )
                word := add(
                    add(x, 0x3030303030303030303030303030303030303030303030303030303030303030),
                    mul(letters, 0x27)
                )
            }
            mstore(p, "tamga-checkpoint/v1\norigin ")
            p := add(p, 27)
            mstore(p, origin0)
            mstore(add(p, 0x20), origin1)
            mstore(add(p, 0x40), origin2)
            p := add(p, originLength)
            mstore(p, "\nsize ")
            p := add(p, 6)
            p := decimal(p, treeSize)
            mstore(p, "\nlog_root ")
            p := add(p, 10)
            mstore(p, hex16(shr(128, logRoot)))
            mstore(add(p, 0x20), hex16(logRoot))
            p := add(p, 64)
            mstore(p, "\nstate_root ")
            p := add(p, 12)
            mstore(p, hex16(shr(128, stateRoot)))
            mstore(add(p, 0x20), hex16(stateRoot))
            p := add(p, 64)
            mstore(p, "\nstate_size ")
            p := add(p, 12)
            p := decimal(p, stateSize)
            mstore(p, "\ntime ")
            p := add(p, 6)
            mstore(p, time)
            mstore8(add(p, 27), 0x0a)
            p := add(p, 28)
        }
        return p;
    }

    /// @dev The signer of EIP-191 digest `digest` from a 65-byte (r, s, v) signature; reverts
    ///      with InvalidCheckpointSignature when it is malformed, malleable or recovers nothing.
    function _recover(bytes32 digest, bytes calldata signature)
        private
        view
        returns (address signer)
    {
        if (signature.length != 65) revert InvalidCheckpointSignature();
        bytes32 r;
        uint256 s;
        uint256 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (s > _HALF_ORDER || (v != 27 && v != 28)) revert InvalidCheckpointSignature();
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore(buffer, digest)
            mstore(add(buffer, 0x20), v)
            mstore(add(buffer, 0x40), r)
            mstore(add(buffer, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, buffer, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert InvalidCheckpointSignature();
    }

    function _setCheckpointSigner(address signer, bool allowed) private {
        _checkpointSigners[signer] = allowed;
        emit CheckpointSignerSet(signer, allowed);
    }

    /// @notice The latest anchor; all zero before the first.
    /// @return treeSize The latest anchored tree size.
    /// @return logRoot Its log root.
    /// @return stateRoot Its state root.
    /// @return anchoredAt The block timestamp it was anchored at.
    function latest()
        external
        view
        returns (uint64 treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt)
    {
        treeSize = _latestTreeSize;
        Root storage root = _roots[treeSize];
        return (treeSize, root.logRoot, root.stateRoot, _latestAnchoredAt);
    }

    /// @notice The roots anchored at `treeSize`; both zero when that size was never anchored.
    /// @dev The time of the anchor is in its `Anchored` event (the block's timestamp), and for
    ///      the latest anchor also in {latest}.
    /// @param treeSize A tree size.
    /// @return logRoot The log root anchored at that size.
    /// @return stateRoot The state root anchored at that size.
    function rootAt(uint64 treeSize) external view returns (bytes32 logRoot, bytes32 stateRoot) {
        Root storage root = _roots[treeSize];
        return (root.logRoot, root.stateRoot);
    }

    /// @notice Whether `proof` shows that leaf `index` with `leafHash` is in the anchored log tree
    ///         of `treeSize` leaves (RFC 9162 §2.1.3.2). Works while paused.
    /// @dev Reverts with NotAnchored when `treeSize` was never anchored, IndexOutOfRange when
    ///      `index >= treeSize` and InvalidProofLength for a proof of the wrong length; returns
    ///      false when a well-formed proof leads to another root.
    /// @param treeSize An anchored tree size.
    /// @param index The 0-based leaf index.
    /// @param leafHash The leaf's hash, SHA-256(0x00 || data) (RFC 9162 §2.1.1).
    /// @param proof The RFC 9162 §2.1.3.1 inclusion proof, lowest level first.
    /// @return True when the proof leads to the anchored log root.
    function verifyInclusion(
        uint64 treeSize,
        uint64 index,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 logRoot = _roots[treeSize].logRoot;
        if (logRoot == bytes32(0)) revert NotAnchored(treeSize);
        return RFC9162.rootFromInclusionProof(index, treeSize, leafHash, proof) == logRoot;
    }

    /// @notice Stop {anchor} in an emergency (PAUSER_ROLE or admin). Reverts with EnforcedPause
    ///         when already paused.
    function pause() external onlyPauserOrAdmin {
        _pause();
    }

    /// @notice Allow {anchor} again (PAUSER_ROLE or admin). Reverts with ExpectedPause when not
    ///         paused.
    function unpause() external onlyPauserOrAdmin {
        _unpause();
    }
}
