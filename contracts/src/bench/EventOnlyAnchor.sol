// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title EventOnlyAnchor
/// @notice The gas floor that RegistryAnchor is measured against: it only logs the same
///         `Anchored` event, with no storage, no consistency check and no pause. Not for use: it
///         enforces nothing an anchor should (growth, RFC 9162 consistency, key rotation).
/// @dev Takes the same arguments as RegistryAnchor.anchor, so both pay the same calldata; the
///      checkpoint fields, signature and proof are ignored. The one check is against an immutable address (no storage read).
contract EventOnlyAnchor {
    /// @notice The only address allowed to call {anchor}.
    address public immutable anchorer;

    /// @notice Same event as RegistryAnchor.Anchored.
    /// @param treeSize The number of leaves in the anchored log tree.
    /// @param logRoot The RFC 9162 §2.1.1 root hash of that tree.
    /// @param stateRoot The register's state root at that tree size.
    /// @param anchoredAt The block timestamp of the anchor.
    event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt);

    /// @notice The caller is not the anchorer.
    /// @param account The caller.
    error Unauthorized(address account);

    /// @param anchorer_ The only address allowed to call {anchor}.
    constructor(address anchorer_) {
        anchorer = anchorer_;
    }

    /// @notice Log an anchor. Reverts with Unauthorized unless called by the anchorer. The
    ///         state size, time, checkpoint signature and proof are ignored.
    /// @param treeSize The number of leaves in the log tree.
    /// @param logRoot The root hash of that tree.
    /// @param stateRoot The register's state root at that tree size.
    function anchor(
        uint64 treeSize,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64,
        bytes27,
        bytes calldata,
        bytes32[] calldata
    ) external {
        if (msg.sender != anchorer) revert Unauthorized(msg.sender);
        emit Anchored(treeSize, logRoot, stateRoot, uint64(block.timestamp));
    }
}
