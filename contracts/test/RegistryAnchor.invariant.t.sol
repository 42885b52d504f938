// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {RegistryAnchor} from "../src/RegistryAnchor.sol";
import {RFC9162} from "../src/RFC9162.sol";
import {CheckpointReference} from "./utils/CheckpointReference.sol";
import {MerkleReference} from "./utils/MerkleReference.sol";

/// @notice Drives RegistryAnchor like a node would, and like an attacker holding the anchoring key
///         would: it grows a log, anchors it with proofs from the recursive RFC 9162 definitions
///         (MerkleReference) and checkpoints signed by the node key, and tries stale sizes,
///         forged roots, checkpoints signed by another key and signed checkpoints whose fields
///         were changed, which must all fail.
contract AnchorHandler is Test {
    uint256 internal constant MAX_LEAVES = 160;
    string internal constant ORIGIN = "tamga.test/invariant";
    bytes27 internal constant TIME = "2026-11-22T01:47:16.000000Z";

    RegistryAnchor public immutable registry;
    address internal immutable anchorer;
    uint256 internal immutable nodeKey;
    uint256 internal immutable attackerKey;

    bytes32[] internal leaves;
    /// @notice Every tree size anchored, in order (ghost state).
    uint64[] public anchoredSizes;
    /// @notice The state root anchored with each of `anchoredSizes` (ghost state).
    bytes32[] public anchoredStateRoots;
    /// @notice The block timestamp of each of `anchoredSizes` (ghost state).
    uint64[] public anchoredTimes;
    /// @notice Forged or stale anchors the contract accepted (must stay 0).
    uint256 public acceptedForgeries;
    /// @notice Forged or stale anchors tried.
    uint256 public forgeriesTried;
    /// @notice Handler calls in this run.
    uint256 public calls;

    modifier counted() {
        ++calls;
        _;
    }

    constructor(RegistryAnchor registry_, address anchorer_, uint256 nodeKey_) {
        registry = registry_;
        anchorer = anchorer_;
        nodeKey = nodeKey_;
        (, attackerKey) = makeAddrAndKey("attacker");
    }

    /// @notice Append 1 to 6 leaves to the log.
    function appendLeaves(uint256 count) external counted {
        _append(bound(count, 1, 6));
    }

    /// @notice Anchor the log at some size above the latest anchor, with a correct proof.
    function anchorGrowth(uint256 sizeSeed, bytes32 stateRoot, uint256 wait) external counted {
        uint64 latestSize = _latestSize();
        if (leaves.length <= latestSize) _append(1 + sizeSeed % 6);
        if (leaves.length <= latestSize) return; // the log is full and fully anchored
        uint64 size = uint64(bound(sizeSeed, latestSize + 1, leaves.length));
        bytes32[] memory all = leaves;
        bytes32[] memory proof =
            latestSize == 0 ? new bytes32[](0) : MerkleReference.consistency(latestSize, all, size);
        bytes32 logRoot = MerkleReference.mth(all, 0, size);
        vm.warp(block.timestamp + bound(wait, 0, 2 days));
        bytes memory signature = _sign(nodeKey, size, logRoot, stateRoot, size);
        vm.prank(anchorer);
        registry.anchor(size, logRoot, stateRoot, size, TIME, signature, proof);
        anchoredSizes.push(size);
        anchoredStateRoots.push(stateRoot);
        anchoredTimes.push(uint64(block.timestamp));
    }

    /// @notice Try to anchor a root that does not extend the anchored history: one leaf of the
    ///         new tree (in its old or its new part) is rewritten, and the proof is the one for
    ///         the true log.
    function anchorForgedRoot(uint256 sizeSeed, uint256 leafSeed, bytes32 forgedLeaf)
        external
        counted
    {
        uint64 latestSize = _latestSize();
        if (latestSize == 0) return;
        if (leaves.length <= latestSize) _append(1 + sizeSeed % 6);
        if (leaves.length <= latestSize) return;
        uint64 size = uint64(bound(sizeSeed, latestSize + 1, leaves.length));
        bytes32[] memory all = leaves;
        bytes32[] memory proof = MerkleReference.consistency(latestSize, all, size);
        uint256 position = bound(leafSeed, 0, size - 1);
        if (all[position] == forgedLeaf) forgedLeaf = ~forgedLeaf;
        all[position] = forgedLeaf;
        _tryForgery(size, MerkleReference.mth(all, 0, size), proof);
    }

    /// @notice Try to anchor the true next checkpoint, signed by a key that is not registered
    ///         (what a thief of the anchoring key alone can do), or signed by the node key over
    ///         other values than those sent (one field changed).
    function anchorBadSignature(uint256 sizeSeed, uint256 fieldSeed, bytes32 noise)
        external
        counted
    {
        uint64 latestSize = _latestSize();
        if (leaves.length <= latestSize) _append(1 + sizeSeed % 6);
        if (leaves.length <= latestSize) return;
        uint64 size = uint64(bound(sizeSeed, latestSize + 1, leaves.length));
        bytes32[] memory all = leaves;
        bytes32[] memory proof =
            latestSize == 0 ? new bytes32[](0) : MerkleReference.consistency(latestSize, all, size);
        bytes32 logRoot = MerkleReference.mth(all, 0, size);
        bytes32 stateRoot = keccak256("forged");
        uint256 field = fieldSeed % 5;
        if (noise == bytes32(0)) noise = bytes32(uint256(1));
        bytes memory signature;
        if (field == 0) {
            signature = _sign(attackerKey, size, logRoot, stateRoot, size);
        } else if (field == 1) {
            signature = _sign(nodeKey, size + 1, logRoot, stateRoot, size);
        } else if (field == 2) {
            signature = _sign(nodeKey, size, logRoot ^ noise, stateRoot, size);
        } else if (field == 3) {
            signature = _sign(nodeKey, size, logRoot, stateRoot ^ noise, size);
        } else {
            signature = _sign(nodeKey, size, logRoot, stateRoot, size + 1);
        }
        ++forgeriesTried;
        vm.prank(anchorer);
        try registry.anchor(size, logRoot, stateRoot, size, TIME, signature, proof) {
            ++acceptedForgeries;
        } catch (bytes memory reason) {
            // forge-lint: disable-next-line(unsafe-typecast)
            if (bytes4(reason) != RegistryAnchor.UnknownCheckpointSigner.selector) {
                ++acceptedForgeries;
            }
        }
    }

    /// @notice Try to anchor a size that is not larger than the latest anchored size.
    function anchorStale(uint256 sizeSeed) external counted {
        uint64 latestSize = _latestSize();
        if (latestSize == 0) return;
        uint64 size = uint64(bound(sizeSeed, 0, latestSize));
        bytes32[] memory all = leaves;
        _tryForgery(size, MerkleReference.mth(all, 0, size), new bytes32[](0));
    }

    function anchoredCount() external view returns (uint256) {
        return anchoredSizes.length;
    }

    function leavesUpTo(uint256 size) external view returns (bytes32[] memory out) {
        out = new bytes32[](size);
        for (uint256 i; i < size; ++i) {
            out[i] = leaves[i];
        }
    }

    function _append(uint256 count) private {
        for (uint256 i; i < count && leaves.length < MAX_LEAVES; ++i) {
            leaves.push(MerkleReference.leafHash(abi.encode("invariant leaf", leaves.length)));
        }
    }

    function _tryForgery(uint64 size, bytes32 logRoot, bytes32[] memory proof) private {
        ++forgeriesTried;
        bytes memory signature = _sign(nodeKey, size, logRoot, keccak256("forged"), size);
        vm.prank(anchorer);
        try registry.anchor(size, logRoot, keccak256("forged"), size, TIME, signature, proof) {
            ++acceptedForgeries;
        } catch (bytes memory reason) {
            // The first four bytes of revert data are the error selector (zero if shorter).
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason);
            bool expected = selector == RegistryAnchor.TreeSizeNotLarger.selector
                || selector == RFC9162.OldRootMismatch.selector
                || selector == RFC9162.NewRootMismatch.selector;
            if (!expected) ++acceptedForgeries;
        }
    }

    function _sign(uint256 key, uint64 size, bytes32 logRoot, bytes32 stateRoot, uint64 stateSize)
        private
        pure
        returns (bytes memory)
    {
        return CheckpointReference.sign(
            key, ORIGIN, CheckpointReference.Fields(size, logRoot, stateRoot, stateSize, TIME)
        );
    }

    function _latestSize() private view returns (uint64 size) {
        (size,,,) = registry.latest();
    }
}

/// @notice Invariants: anchored sizes strictly increase, every anchored root is the log's root at
///         its size and stays RFC 9162-consistent with the next anchored root, every anchored
///         state root stays readable, latest() holds the last anchor and its block time, and no
///         forged, stale or not node-signed anchor is ever accepted.
contract RegistryAnchorInvariantTest is Test {
    RegistryAnchor internal registry;
    AnchorHandler internal handler;
    RFC9162Checker internal checker;

    function setUp() external {
        address anchorer = makeAddr("anchorer");
        (address nodeSigner, uint256 nodeKey) = makeAddrAndKey("node checkpoint key");
        registry =
            new RegistryAnchor(makeAddr("admin"), anchorer, nodeSigner, "tamga.test/invariant");
        handler = new AnchorHandler(registry, anchorer, nodeKey);
        checker = new RFC9162Checker();
        vm.warp(1_780_000_000);
        targetContract(address(handler));
    }

    function invariant_sizesStrictlyIncrease() external view {
        uint256 count = handler.anchoredCount();
        uint64 previous;
        for (uint256 i; i < count; ++i) {
            uint64 size = handler.anchoredSizes(i);
            assertGt(size, previous, "anchored sizes must strictly increase");
            previous = size;
        }
        (uint64 latestSize,,, uint64 latestAt) = registry.latest();
        assertEq(latestSize, previous, "latest() is the last anchored size");
        assertEq(latestAt, count == 0 ? 0 : handler.anchoredTimes(count - 1), "latest() time");
    }

    function invariant_storedRootsConsistentWithNext() external view {
        uint256 count = handler.anchoredCount();
        if (count == 0) return;
        uint64 last = handler.anchoredSizes(count - 1);
        bytes32[] memory leaves = handler.leavesUpTo(last);
        for (uint256 i; i < count; ++i) {
            uint64 size = handler.anchoredSizes(i);
            (bytes32 logRoot, bytes32 stateRoot) = registry.rootAt(size);
            assertEq(logRoot, MerkleReference.mth(leaves, 0, size), "root of the log at its size");
            assertEq(stateRoot, handler.anchoredStateRoots(i), "state root at its size");
            if (i + 1 < count) {
                uint64 next = handler.anchoredSizes(i + 1);
                (bytes32 nextRoot,) = registry.rootAt(next);
                checker.verifyConsistency(
                    size, next, logRoot, nextRoot, MerkleReference.consistency(size, leaves, next)
                );
            }
        }
    }

    function invariant_noForgeryAccepted() external view {
        assertEq(handler.acceptedForgeries(), 0, "a forged or stale anchor was accepted");
    }

    function afterInvariant() external view {
        // A full-depth run must have exercised both paths, or the invariants above prove little.
        // (Shorter runs are replays of shrunk failures, which need not.)
        if (handler.calls() < 16) return;
        assertGt(handler.anchoredCount(), 0, "no anchor was made");
        assertGt(handler.forgeriesTried(), 0, "no forgery was tried");
    }
}

/// @notice Calls the library verifier with calldata proofs.
contract RFC9162Checker {
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external view {
        RFC9162.verifyConsistency(size1, size2, root1, root2, proof);
    }
}
