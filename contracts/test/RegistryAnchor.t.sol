// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {RegistryAnchor} from "../src/RegistryAnchor.sol";
import {RFC9162} from "../src/RFC9162.sol";
import {Fixtures} from "./utils/Fixtures.sol";

/// @notice RegistryAnchor: roles, pause, growth, RFC 9162 consistency and inclusion, every revert.
contract RegistryAnchorTest is Fixtures {
    event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt);

    address internal admin = makeAddr("admin");
    address internal anchorer = makeAddr("anchorer");
    address internal pauser = makeAddr("pauser");
    address internal stranger = makeAddr("stranger");
    RegistryAnchor internal registry;
    ConsistencyCase[] internal cases;

    bytes32 internal constant STATE_A = keccak256("state A");
    bytes32 internal constant STATE_B = keccak256("state B");

    function setUp() external {
        registry = new RegistryAnchor(admin, anchorer);
        bytes32 pauserRole = registry.PAUSER_ROLE();
        vm.prank(admin);
        registry.grantRole(pauserRole, pauser);
        ConsistencyCase[] memory loaded = _consistencyCases();
        for (uint256 i; i < loaded.length; ++i) {
            cases.push(loaded[i]);
        }
        vm.warp(1_780_000_000);
    }

    // --- constructor and roles ---

    function test_constructorGrantsRoles() external view {
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.ANCHOR_ROLE(), anchorer));
        assertFalse(registry.hasRole(registry.ANCHOR_ROLE(), admin));
        assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), anchorer));
        assertEq(registry.ANCHOR_ROLE(), keccak256("ANCHOR_ROLE"));
        assertEq(registry.PAUSER_ROLE(), keccak256("PAUSER_ROLE"));
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId));
        assertTrue(registry.supportsInterface(type(IERC165).interfaceId));
    }

    function test_constructorRejectsZeroAdmin() external {
        vm.expectRevert(RegistryAnchor.ZeroAddress.selector);
        new RegistryAnchor(address(0), anchorer);
    }

    function test_constructorRejectsZeroAnchorer() external {
        vm.expectRevert(RegistryAnchor.ZeroAddress.selector);
        new RegistryAnchor(admin, address(0));
    }

    function test_nothingAnchoredAtStart() external view {
        (uint64 size, bytes32 logRoot, bytes32 stateRoot, uint64 at) = registry.latest();
        assertEq(size, 0);
        assertEq(logRoot, bytes32(0));
        assertEq(stateRoot, bytes32(0));
        assertEq(at, 0);
        (logRoot, stateRoot) = registry.rootAt(0);
        assertEq(logRoot, bytes32(0));
        assertEq(stateRoot, bytes32(0));
    }

    // --- anchor: access and pause ---

    function testFuzz_anchorRejectsCallerWithoutRole(address caller) external {
        vm.assume(caller != anchorer);
        ConsistencyCase memory c = _case(3, 7);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                registry.ANCHOR_ROLE()
            )
        );
        vm.prank(caller);
        registry.anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
    }

    function test_anchorRejectedWhilePaused() external {
        vm.prank(pauser);
        registry.pause();
        ConsistencyCase memory c = _case(3, 7);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(anchorer);
        registry.anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
    }

    function test_pauseAndUnpauseByPauserAndAdmin() external {
        vm.prank(pauser);
        registry.pause();
        assertTrue(registry.paused());
        vm.prank(admin);
        registry.unpause();
        assertFalse(registry.paused());
        vm.prank(admin);
        registry.pause();
        vm.prank(pauser);
        registry.unpause();
        // Anchoring works again after unpausing.
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        (uint64 size,,,) = registry.latest();
        assertEq(size, c.size1);
    }

    function test_pauseRejectsStranger() external {
        vm.expectRevert(_unauthorized(stranger, registry.PAUSER_ROLE()));
        vm.prank(stranger);
        registry.pause();
    }

    function test_pauseRejectsAnchorer() external {
        vm.expectRevert(_unauthorized(anchorer, registry.PAUSER_ROLE()));
        vm.prank(anchorer);
        registry.pause();
    }

    function test_unpauseRejectsStranger() external {
        vm.prank(pauser);
        registry.pause();
        vm.expectRevert(_unauthorized(stranger, registry.PAUSER_ROLE()));
        vm.prank(stranger);
        registry.unpause();
    }

    function test_pauseTwiceRejected() external {
        vm.prank(pauser);
        registry.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(pauser);
        registry.pause();
    }

    function test_unpauseWhenNotPausedRejected() external {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(admin);
        registry.unpause();
    }

    function test_keyRotation() external {
        address newKey = makeAddr("new anchoring key");
        bytes32 role = registry.ANCHOR_ROLE();
        vm.startPrank(admin);
        registry.grantRole(role, newKey);
        registry.revokeRole(role, anchorer);
        vm.stopPrank();

        ConsistencyCase memory c = _case(3, 7);
        vm.expectRevert(_unauthorized(anchorer, role));
        vm.prank(anchorer);
        registry.anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));

        vm.prank(newKey);
        registry.anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        vm.prank(newKey);
        registry.anchor(uint64(c.size2), c.root2, STATE_B, c.proof);
        (uint64 size, bytes32 logRoot,,) = registry.latest();
        assertEq(size, c.size2);
        assertEq(logRoot, c.root2);
    }

    function test_onlyAdminGrantsRoles() external {
        bytes32 role = registry.ANCHOR_ROLE();
        vm.expectRevert(_unauthorized(anchorer, registry.DEFAULT_ADMIN_ROLE()));
        vm.prank(anchorer);
        registry.grantRole(role, stranger);
        vm.expectRevert(_unauthorized(pauser, registry.DEFAULT_ADMIN_ROLE()));
        vm.prank(pauser);
        registry.revokeRole(role, anchorer);
    }

    // --- anchor: the first anchor ---

    function test_firstAnchorStoresAndEmits() external {
        ConsistencyCase memory c = _case(3, 7);
        vm.expectEmit(true, false, false, true, address(registry));
        emit Anchored(uint64(c.size1), c.root1, STATE_A, uint64(block.timestamp));
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));

        (uint64 size, bytes32 logRoot, bytes32 stateRoot, uint64 at) = registry.latest();
        assertEq(size, c.size1);
        assertEq(logRoot, c.root1);
        assertEq(stateRoot, STATE_A);
        assertEq(at, block.timestamp);
        (logRoot, stateRoot) = registry.rootAt(uint64(c.size1));
        assertEq(logRoot, c.root1);
        assertEq(stateRoot, STATE_A);
    }

    function test_firstAnchorRejectsSizeZero() external {
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.TreeSizeNotLarger.selector, 0, 0));
        _anchor(0, keccak256("root"), STATE_A, new bytes32[](0));
    }

    function test_firstAnchorRejectsProof() external {
        bytes32[] memory proof = new bytes32[](2);
        vm.expectRevert(abi.encodeWithSelector(RFC9162.InvalidProofLength.selector, 0, 2));
        _anchor(5, keccak256("root"), STATE_A, proof);
    }

    function test_anchorRejectsZeroLogRoot() external {
        vm.expectRevert(RegistryAnchor.ZeroLogRoot.selector);
        _anchor(5, bytes32(0), STATE_A, new bytes32[](0));
    }

    // --- anchor: growth and consistency (RFC 9162 §2.1.4) ---

    function test_secondAnchorWithPythonProof() external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        vm.warp(block.timestamp + 3600);
        vm.expectEmit(true, false, false, true, address(registry));
        emit Anchored(uint64(c.size2), c.root2, STATE_B, uint64(block.timestamp));
        _anchor(uint64(c.size2), c.root2, STATE_B, c.proof);

        (uint64 size, bytes32 logRoot, bytes32 stateRoot, uint64 at) = registry.latest();
        assertEq(size, c.size2);
        assertEq(logRoot, c.root2);
        assertEq(stateRoot, STATE_B);
        assertEq(at, block.timestamp);
        // Both roots of the earlier anchor stay readable (its time is in its Anchored event).
        (logRoot, stateRoot) = registry.rootAt(uint64(c.size1));
        assertEq(logRoot, c.root1);
        assertEq(stateRoot, STATE_A);
        (logRoot, stateRoot) = registry.rootAt(uint64(c.size2));
        assertEq(logRoot, c.root2);
        assertEq(stateRoot, STATE_B);
        // Sizes in between were never anchored.
        (logRoot, stateRoot) = registry.rootAt(uint64(c.size1 + 1));
        assertEq(logRoot, bytes32(0));
        assertEq(stateRoot, bytes32(0));
    }

    function test_anchorChainWithPythonProofs() external {
        uint64[6] memory sizes = [uint64(1), 2, 3, 8, 13, 24];
        _anchor(sizes[0], _case(sizes[0], sizes[1]).root1, STATE_A, new bytes32[](0));
        for (uint256 i = 1; i < sizes.length; ++i) {
            ConsistencyCase memory c = _case(sizes[i - 1], sizes[i]);
            _anchor(sizes[i], c.root2, keccak256(abi.encode(i)), c.proof);
        }
        (uint64 size,,,) = registry.latest();
        assertEq(size, 24);
        for (uint256 i; i < sizes.length; ++i) {
            (bytes32 logRoot, bytes32 stateRoot) = registry.rootAt(sizes[i]);
            bytes32 expected =
                i == 0 ? _case(sizes[0], sizes[1]).root1 : _case(sizes[i - 1], sizes[i]).root2;
            assertEq(logRoot, expected);
            assertEq(stateRoot, i == 0 ? STATE_A : keccak256(abi.encode(i)));
        }
    }

    function testFuzz_anchorAcceptsEveryPythonProof(uint256 pick, bytes32 stateRoot) external {
        ConsistencyCase memory c = cases[bound(pick, 0, cases.length - 1)];
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        _anchor(uint64(c.size2), c.root2, stateRoot, c.proof);
        (uint64 size, bytes32 logRoot, bytes32 stored,) = registry.latest();
        assertEq(size, c.size2);
        assertEq(logRoot, c.root2);
        assertEq(stored, stateRoot);
    }

    function testFuzz_anchorRejectsTamperedProof(uint256 pick, uint256 position, uint8 bit)
        external
    {
        ConsistencyCase memory c = cases[bound(pick, 0, cases.length - 1)];
        vm.assume(c.proof.length > 0);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        c.proof[position % c.proof.length] ^= bytes32(uint256(1) << bit);
        vm.prank(anchorer);
        try registry.anchor(uint64(c.size2), c.root2, STATE_B, c.proof) {
            assertTrue(false, "a tampered proof was accepted");
        } catch (bytes memory reason) {
            // The first four bytes of revert data are the error selector (zero if shorter).
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == RFC9162.OldRootMismatch.selector
                    || selector == RFC9162.NewRootMismatch.selector,
                "unexpected error"
            );
        }
        (uint64 size,,,) = registry.latest();
        assertEq(size, c.size1, "nothing changed");
    }

    function test_anchorRejectsRootNotExtendingLatest() external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        bytes32 forged = keccak256("another history");
        vm.expectRevert(abi.encodeWithSelector(RFC9162.NewRootMismatch.selector, forged, c.root2));
        _anchor(uint64(c.size2), forged, STATE_B, c.proof);
    }

    function test_anchorRejectsForkedHistory() external {
        // The latest anchored root is not the one the proof starts from.
        ConsistencyCase memory c = _case(3, 7);
        bytes32 forkedRoot = keccak256("a fork of the first three leaves");
        _anchor(uint64(c.size1), forkedRoot, STATE_A, new bytes32[](0));
        vm.expectRevert(
            abi.encodeWithSelector(RFC9162.OldRootMismatch.selector, forkedRoot, c.root1)
        );
        _anchor(uint64(c.size2), c.root2, STATE_B, c.proof);
    }

    function test_anchorRejectsWrongProofLength() external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        bytes32[] memory shorter = new bytes32[](c.proof.length - 1);
        for (uint256 i; i < shorter.length; ++i) {
            shorter[i] = c.proof[i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                RFC9162.InvalidProofLength.selector, c.proof.length, shorter.length
            )
        );
        _anchor(uint64(c.size2), c.root2, STATE_B, shorter);
        vm.expectRevert(
            abi.encodeWithSelector(RFC9162.InvalidProofLength.selector, c.proof.length, 0)
        );
        _anchor(uint64(c.size2), c.root2, STATE_B, new bytes32[](0));
    }

    function testFuzz_anchorRejectsSizeNotLarger(uint64 size) external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size2), c.root2, STATE_A, new bytes32[](0));
        size = uint64(bound(size, 0, c.size2));
        vm.expectRevert(
            abi.encodeWithSelector(RegistryAnchor.TreeSizeNotLarger.selector, size, c.size2)
        );
        _anchor(size, c.root1, STATE_B, c.proof);
    }

    function test_revertedAnchorChangesNothing() external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        vm.prank(anchorer);
        (bool ok,) = address(registry)
            .call(
                abi.encodeCall(
                    RegistryAnchor.anchor, (uint64(c.size2), bytes32(uint256(1)), STATE_B, c.proof)
                )
            );
        assertFalse(ok);
        (uint64 size, bytes32 logRoot, bytes32 stateRoot,) = registry.latest();
        assertEq(size, c.size1);
        assertEq(logRoot, c.root1);
        assertEq(stateRoot, STATE_A);
        bytes32 unanchoredState;
        (logRoot, unanchoredState) = registry.rootAt(uint64(c.size2));
        assertEq(logRoot, bytes32(0));
        assertEq(unanchoredState, bytes32(0));
    }

    // --- verifyInclusion (RFC 9162 §2.1.3) ---

    function test_verifyInclusionAgainstAnchoredRoots() external {
        InclusionCase[] memory inclusion = _inclusionCases();
        uint256 checked;
        for (uint256 i; i < inclusion.length; ++i) {
            InclusionCase memory c = inclusion[i];
            if (c.size != 13) continue;
            if (checked == 0) _anchor(13, c.root, STATE_A, new bytes32[](0));
            assertTrue(registry.verifyInclusion(13, uint64(c.index), c.leafHash, c.proof));
            assertFalse(
                registry.verifyInclusion(
                    13, uint64(c.index), c.leafHash ^ bytes32(uint256(1)), c.proof
                )
            );
            ++checked;
        }
        assertEq(checked, 13);
    }

    function test_verifyInclusionAgainstAnEarlierAnchor() external {
        // Anchor 13, then 16: proofs in the tree of 13 leaves still verify against its root.
        ConsistencyCase memory c = _case(13, 16);
        _anchor(13, c.root1, STATE_A, new bytes32[](0));
        _anchor(16, c.root2, STATE_B, c.proof);
        InclusionCase memory early = _inclusion(5, 13);
        InclusionCase memory late = _inclusion(5, 16);
        assertTrue(registry.verifyInclusion(13, 5, early.leafHash, early.proof));
        assertTrue(registry.verifyInclusion(16, 5, late.leafHash, late.proof));
        // Each is checked against its own size's root: the proof in the tree of 16 leaves has
        // the same length but leads elsewhere.
        assertEq(late.proof.length, early.proof.length);
        assertFalse(registry.verifyInclusion(13, 5, early.leafHash, late.proof));
    }

    function test_verifyInclusionWorksWhilePaused() external {
        InclusionCase memory c = _inclusion(5, 13);
        _anchor(13, c.root, STATE_A, new bytes32[](0));
        vm.prank(pauser);
        registry.pause();
        assertTrue(registry.verifyInclusion(13, 5, c.leafHash, c.proof));
    }

    function test_verifyInclusionRejectsUnanchoredSize() external {
        InclusionCase memory c = _inclusion(5, 13);
        _anchor(13, c.root, STATE_A, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.NotAnchored.selector, 12));
        registry.verifyInclusion(12, 5, c.leafHash, c.proof);
    }

    function test_verifyInclusionRejectsIndexOutOfRange() external {
        InclusionCase memory c = _inclusion(5, 13);
        _anchor(13, c.root, STATE_A, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(RFC9162.IndexOutOfRange.selector, 13, 13));
        registry.verifyInclusion(13, 13, c.leafHash, c.proof);
    }

    function test_verifyInclusionRejectsWrongProofLength() external {
        InclusionCase memory c = _inclusion(5, 13);
        _anchor(13, c.root, STATE_A, new bytes32[](0));
        bytes32[] memory longer = new bytes32[](c.proof.length + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                RFC9162.InvalidProofLength.selector, c.proof.length, longer.length
            )
        );
        registry.verifyInclusion(13, 5, c.leafHash, longer);
    }

    function test_verifyInclusionAtOneMillion() external {
        InclusionCase memory c = _largestInclusion();
        assertGt(c.size, 500_000);
        _anchor(uint64(c.size), c.root, STATE_A, new bytes32[](0));
        assertTrue(registry.verifyInclusion(uint64(c.size), uint64(c.index), c.leafHash, c.proof));
    }

    // --- helpers ---

    function _anchor(uint64 size, bytes32 logRoot, bytes32 stateRoot, bytes32[] memory proof)
        internal
    {
        vm.prank(anchorer);
        registry.anchor(size, logRoot, stateRoot, proof);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector, account, role
        );
    }

    function _case(uint256 size1, uint256 size2) internal view returns (ConsistencyCase memory) {
        for (uint256 i; i < cases.length; ++i) {
            if (cases[i].size1 == size1 && cases[i].size2 == size2) return cases[i];
        }
        revert("no such consistency fixture");
    }

    function _inclusion(uint256 index, uint256 size) internal view returns (InclusionCase memory) {
        InclusionCase[] memory inclusion = _inclusionCases();
        for (uint256 i; i < inclusion.length; ++i) {
            if (inclusion[i].index == index && inclusion[i].size == size) return inclusion[i];
        }
        revert("no such inclusion fixture");
    }

    function _largestInclusion() internal view returns (InclusionCase memory best) {
        InclusionCase[] memory inclusion = _inclusionCases();
        for (uint256 i; i < inclusion.length; ++i) {
            if (inclusion[i].size > best.size) best = inclusion[i];
        }
    }
}
