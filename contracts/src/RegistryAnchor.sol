// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {RFC9162} from "./RFC9162.sol";

/// @title RegistryAnchor
/// @notice Anchors the roots of the Tamga node's append-only RFC 9162 Merkle log (the journal of
///         the Unified State Register of Virtual Asset Emissions) together with the register's
///         state root. Each anchor must extend the previous one: after the first, it carries an
///         RFC 9162 §2.1.4 consistency proof from the latest anchored tree, checked on chain, so
///         the anchored history can only grow, never fork or be rewritten.
/// @dev Roles (OpenZeppelin AccessControl): ANCHOR_ROLE publishes anchors; PAUSER_ROLE or the
///      admin (DEFAULT_ADMIN_ROLE) pause and unpause; the admin grants and revokes roles, which is
///      how a node rotates its anchoring key. Storage per anchored size is two slots (log root
///      and state root), the least that lets anyone read both roots of any anchored size on
///      chain; the latest tree size and the latest anchor's time share one slot with the pause
///      flag. An earlier anchor's time is not stored: its `Anchored` event carries it, and it is
///      the timestamp of the block that holds that event.
contract RegistryAnchor is AccessControl, Pausable {
    /// @notice The role allowed to call {anchor}.
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    /// @notice The role allowed (besides the admin) to call {pause} and {unpause}.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @dev What is stored for one anchored tree size (two slots).
    struct Root {
        bytes32 logRoot;
        bytes32 stateRoot;
    }

    // Declared first so that they share Pausable's storage slot: one cold read per anchor.
    uint64 private _latestTreeSize;
    uint64 private _latestAnchoredAt;
    mapping(uint64 treeSize => Root) private _roots;

    /// @notice A log root and state root were anchored.
    /// @param treeSize The number of leaves in the anchored log tree.
    /// @param logRoot The RFC 9162 §2.1.1 root hash of the log tree of `treeSize` leaves.
    /// @param stateRoot The register's state root at that tree size.
    /// @param anchoredAt The block timestamp of the anchor (seconds since the Unix epoch).
    event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt);

    /// @notice An address given to the constructor is the zero address.
    error ZeroAddress();

    /// @notice The tree size to anchor is not larger than the latest anchored tree size.
    /// @param treeSize The tree size given.
    /// @param latestTreeSize The latest anchored tree size (0 before the first anchor).
    error TreeSizeNotLarger(uint64 treeSize, uint64 latestTreeSize);

    /// @notice The log root is zero, which {rootAt} uses to mean "never anchored".
    error ZeroLogRoot();

    /// @notice No root was anchored at this tree size.
    /// @param treeSize The tree size given.
    error NotAnchored(uint64 treeSize);

    /// @notice Set up the roles.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants and revokes roles, may pause).
    /// @param anchorer Receives ANCHOR_ROLE (the node's anchoring key); may equal `admin`.
    constructor(address admin, address anchorer) {
        if (admin == address(0) || anchorer == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, anchorer);
    }

    /// @dev Only holders of PAUSER_ROLE or DEFAULT_ADMIN_ROLE; others get
    ///      AccessControlUnauthorizedAccount(caller, PAUSER_ROLE).
    modifier onlyPauserOrAdmin() {
        if (!hasRole(PAUSER_ROLE, _msgSender()) && !hasRole(DEFAULT_ADMIN_ROLE, _msgSender())) {
            revert AccessControlUnauthorizedAccount(_msgSender(), PAUSER_ROLE);
        }
        _;
    }

    /// @notice Anchor the log tree of `treeSize` leaves with root `logRoot`, and `stateRoot`.
    /// @dev Only ANCHOR_ROLE, only when not paused. Reverts with TreeSizeNotLarger unless
    ///      `treeSize` exceeds the latest anchored size, ZeroLogRoot for a zero `logRoot`, and,
    ///      for the first anchor, InvalidProofLength unless the proof is empty. After the first
    ///      anchor the proof must show, per RFC 9162 §2.1.4.2, that the new tree extends the
    ///      latest anchored one (RFC9162.verifyConsistency: InvalidProofLength, OldRootMismatch,
    ///      NewRootMismatch). Nothing is stored when it reverts.
    /// @param treeSize The number of leaves in the log tree.
    /// @param logRoot The RFC 9162 §2.1.1 root hash of that tree.
    /// @param stateRoot The register's state root at that tree size.
    /// @param consistencyProof The RFC 9162 §2.1.4.1 consistency proof from the latest anchored
    ///        tree to this one; empty for the first anchor.
    function anchor(
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        bytes32[] calldata consistencyProof
    ) external whenNotPaused onlyRole(ANCHOR_ROLE) {
        uint64 latestTreeSize = _latestTreeSize;
        if (treeSize <= latestTreeSize) revert TreeSizeNotLarger(treeSize, latestTreeSize);
        if (logRoot == bytes32(0)) revert ZeroLogRoot();
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
