// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {RegistryAnchor} from "../src/RegistryAnchor.sol";
import {RFC9162} from "../src/RFC9162.sol";
import {CheckpointReference} from "./utils/CheckpointReference.sol";
import {Fixtures} from "./utils/Fixtures.sol";

/// @notice RegistryAnchor: roles, pause, growth, RFC 9162 consistency and inclusion, the node's
///         checkpoint signature, every revert.
contract RegistryAnchorTest is Fixtures {
    event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot, uint64 anchoredAt);
    event CheckpointSignerSet(address indexed signer, bool allowed);

    address internal admin = makeAddr("admin");
    address internal anchorer = makeAddr("anchorer");
    address internal pauser = makeAddr("pauser");
    address internal stranger = makeAddr("stranger");
    RegistryAnchor internal registry;
    ConsistencyCase[] internal cases;

    bytes32 internal constant STATE_A = keccak256("state A");
    bytes32 internal constant STATE_B = keccak256("state B");
    string internal constant ORIGIN = "tamga.test/register";
    uint64 internal constant STATE_SIZE = 42;
    bytes27 internal constant TIME = "2026-11-22T01:47:16.000000Z";

    string internal constant CHECKPOINT_FIXTURES = "contracts/test/fixtures/checkpoints.json";
    string internal constant PYTHON_CHECKPOINT_TYPE =
        "PythonCheckpoint(bytes body,bytes32 logRoot,bytes signature,string size,bytes32 stateRoot,string stateSize,string time)";

    /// @dev One checkpoint signed by node/checkpoint.py (scripts/gen_checkpoint_fixtures.py).
    struct PythonCheckpoint {
        bytes body;
        bytes32 logRoot;
        bytes signature;
        string size;
        bytes32 stateRoot;
        string stateSize;
        string time;
    }

    address internal nodeSigner;
    uint256 internal nodeKey;

    function setUp() external {
        (nodeSigner, nodeKey) = makeAddrAndKey("node checkpoint key");
        registry = new RegistryAnchor(admin, anchorer, nodeSigner, ORIGIN);
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
        new RegistryAnchor(address(0), anchorer, nodeSigner, ORIGIN);
    }

    function test_constructorRejectsZeroAnchorer() external {
        vm.expectRevert(RegistryAnchor.ZeroAddress.selector);
        new RegistryAnchor(admin, address(0), nodeSigner, ORIGIN);
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
        _anchorAs(caller, uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
    }

    function test_anchorRejectedWhilePaused() external {
        vm.prank(pauser);
        registry.pause();
        ConsistencyCase memory c = _case(3, 7);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _anchorAs(anchorer, uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
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
        _anchorAs(anchorer, uint64(c.size1), c.root1, STATE_A, new bytes32[](0));

        _anchorAs(newKey, uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        _anchorAs(newKey, uint64(c.size2), c.root2, STATE_B, c.proof);
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
        bytes memory signature = _sign(nodeKey, uint64(c.size2), c.root2, STATE_B);
        vm.prank(anchorer);
        try registry.anchor(
            uint64(c.size2), c.root2, STATE_B, STATE_SIZE, TIME, signature, c.proof
        ) {
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
        bytes32 wrongRoot = bytes32(uint256(1));
        bytes memory signature = _sign(nodeKey, uint64(c.size2), wrongRoot, STATE_B);
        vm.prank(anchorer);
        (bool ok,) = address(registry)
            .call(
                abi.encodeCall(
                    RegistryAnchor.anchor,
                    (uint64(c.size2), wrongRoot, STATE_B, STATE_SIZE, TIME, signature, c.proof)
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

    // --- the node's checkpoint signature (EIP-191) ---

    function test_constructorRegistersSignerAndOrigin() external {
        assertTrue(registry.isCheckpointSigner(nodeSigner));
        assertFalse(registry.isCheckpointSigner(anchorer));
        assertFalse(registry.isCheckpointSigner(admin));
        assertEq(registry.origin(), ORIGIN);
        vm.expectEmit(true, false, false, true);
        emit CheckpointSignerSet(stranger, true);
        RegistryAnchor other = new RegistryAnchor(admin, anchorer, stranger, "o");
        assertEq(other.origin(), "o");
        assertTrue(other.isCheckpointSigner(stranger));
    }

    function test_constructorRejectsZeroSigner() external {
        vm.expectRevert(RegistryAnchor.ZeroAddress.selector);
        new RegistryAnchor(admin, anchorer, address(0), ORIGIN);
    }

    function test_constructorRejectsBadOrigins() external {
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.InvalidOrigin.selector, 0));
        new RegistryAnchor(admin, anchorer, nodeSigner, "");
        string memory tooLong = string(new bytes(97));
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.InvalidOrigin.selector, 97));
        new RegistryAnchor(admin, anchorer, nodeSigner, tooLong);
        vm.expectRevert(abi.encodeWithSelector(RegistryAnchor.InvalidOrigin.selector, 10));
        new RegistryAnchor(admin, anchorer, nodeSigner, "tamga\nsize");
    }

    function testFuzz_originRoundTripsAndSignsAtEveryLength(uint256 length, uint256 seed) external {
        length = bound(length, 1, registry.MAX_ORIGIN_LENGTH());
        bytes memory text = new bytes(length);
        for (uint256 i; i < length; ++i) {
            // Printable ASCII, never a newline.
            text[i] = bytes1(uint8(33 + uint256(keccak256(abi.encode(seed, i))) % 94));
        }
        string memory origin = string(text);
        RegistryAnchor other = new RegistryAnchor(admin, anchorer, nodeSigner, origin);
        assertEq(other.origin(), origin);
        CheckpointReference.Fields memory f = _fields(7, keccak256("r"), STATE_A);
        assertEq(
            other.checkpointBody(f.size, f.logRoot, f.stateRoot, f.stateSize, f.time),
            CheckpointReference.body(origin, f)
        );
        bytes memory signature = CheckpointReference.sign(nodeKey, origin, f);
        vm.prank(anchorer);
        other.anchor(
            f.size, f.logRoot, f.stateRoot, f.stateSize, f.time, signature, new bytes32[](0)
        );
        (uint64 size,,,) = other.latest();
        assertEq(size, 7);
    }

    function testFuzz_checkpointBodyEqualsReference(
        uint64 size,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time
    ) external view {
        CheckpointReference.Fields memory f =
            CheckpointReference.Fields(size, logRoot, stateRoot, stateSize, time);
        assertEq(
            registry.checkpointBody(size, logRoot, stateRoot, stateSize, time),
            CheckpointReference.body(ORIGIN, f)
        );
    }

    function test_checkpointBodyEdgeValues() external view {
        uint64[9] memory values = [
            uint64(0),
            9,
            10,
            99_999_999,
            100_000_000,
            9_999_999_999_999_999,
            10_000_000_000_000_000,
            10_000_000_000_000_007,
            type(uint64).max
        ];
        for (uint256 i; i < values.length; ++i) {
            CheckpointReference.Fields memory f = CheckpointReference.Fields(
                values[i],
                bytes32(0),
                bytes32(type(uint256).max),
                values[values.length - 1 - i],
                TIME
            );
            assertEq(
                registry.checkpointBody(f.size, f.logRoot, f.stateRoot, f.stateSize, f.time),
                CheckpointReference.body(ORIGIN, f)
            );
        }
    }

    function test_pythonSignedCheckpointsAccepted() external {
        string memory json = vm.readFile(CHECKPOINT_FIXTURES);
        string memory origin = vm.parseJsonString(json, ".origin");
        address signer = vm.parseJsonAddress(json, ".signer");
        PythonCheckpoint[] memory rows = _pythonCheckpoints(json);
        // The first two are the merkle fixture tree at 3 and 7: anchored in turn, with the proof.
        RegistryAnchor chain = new RegistryAnchor(admin, anchorer, signer, origin);
        ConsistencyCase memory c = _case(3, 7);
        for (uint256 i; i < rows.length; ++i) {
            PythonCheckpoint memory row = rows[i];
            uint64 size = uint64(vm.parseUint(row.size));
            uint64 stateSize = uint64(vm.parseUint(row.stateSize));
            bytes27 time = bytes27(bytes(row.time));
            assertEq(
                chain.checkpointBody(size, row.logRoot, row.stateRoot, stateSize, time),
                row.body,
                "body differs from node/checkpoint.py"
            );
            RegistryAnchor target = chain;
            bytes32[] memory proof = i == 1 ? c.proof : new bytes32[](0);
            if (i >= 2) {
                // Edge cases: each as the first anchor of its own contract (a zero root and
                // size 0 are refused before the signature is looked at).
                if (row.logRoot == bytes32(0)) continue;
                target = new RegistryAnchor(admin, anchorer, signer, origin);
            }
            vm.prank(anchorer);
            target.anchor(size, row.logRoot, row.stateRoot, stateSize, time, row.signature, proof);
            (uint64 latestSize, bytes32 latestRoot,,) = target.latest();
            assertEq(latestSize, size);
            assertEq(latestRoot, row.logRoot);
        }
        (uint64 anchored,,,) = chain.latest();
        assertEq(anchored, 7);
    }

    function testFuzz_pythonSignatureTamperedRejected(uint256 pick, uint256 position, uint8 bit)
        external
    {
        string memory json = vm.readFile(CHECKPOINT_FIXTURES);
        address signer = vm.parseJsonAddress(json, ".signer");
        PythonCheckpoint[] memory rows = _pythonCheckpoints(json);
        PythonCheckpoint memory row = rows[bound(pick, 0, rows.length - 1)];
        vm.assume(row.logRoot != bytes32(0));
        RegistryAnchor target =
            new RegistryAnchor(admin, anchorer, signer, vm.parseJsonString(json, ".origin"));
        // One bit of r, s or v flipped.
        row.signature[position % 65] ^= bytes1(uint8(1) << (bit % 8));
        vm.prank(anchorer);
        try target.anchor(
            uint64(vm.parseUint(row.size)),
            row.logRoot,
            row.stateRoot,
            uint64(vm.parseUint(row.stateSize)),
            bytes27(bytes(row.time)),
            row.signature,
            new bytes32[](0)
        ) {
            assertTrue(false, "a tampered signature was accepted");
        } catch (bytes memory reason) {
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == RegistryAnchor.InvalidCheckpointSignature.selector
                    || selector == RegistryAnchor.UnknownCheckpointSigner.selector,
                "unexpected error"
            );
        }
        (uint64 size,,,) = target.latest();
        assertEq(size, 0);
    }

    function test_signatureByUnregisteredKeyRevertsEvenFromAnchorer() external {
        (address thief, uint256 thiefKey) = makeAddrAndKey("thief checkpoint key");
        ConsistencyCase memory c = _case(3, 7);
        bytes memory signature = _sign(thiefKey, uint64(c.size1), c.root1, STATE_A);
        vm.expectRevert(
            abi.encodeWithSelector(RegistryAnchor.UnknownCheckpointSigner.selector, thief)
        );
        vm.prank(anchorer);
        registry.anchor(
            uint64(c.size1), c.root1, STATE_A, STATE_SIZE, TIME, signature, new bytes32[](0)
        );
        // The first anchor is bound: nothing was anchored.
        (uint64 size,,,) = registry.latest();
        assertEq(size, 0);
    }

    function test_laterAnchorSignedByUnregisteredKeyReverts() external {
        (address thief, uint256 thiefKey) = makeAddrAndKey("thief checkpoint key");
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        bytes memory signature = _sign(thiefKey, uint64(c.size2), c.root2, STATE_B);
        vm.expectRevert(
            abi.encodeWithSelector(RegistryAnchor.UnknownCheckpointSigner.selector, thief)
        );
        vm.prank(anchorer);
        registry.anchor(uint64(c.size2), c.root2, STATE_B, STATE_SIZE, TIME, signature, c.proof);
    }

    function test_fieldsOtherThanSignedRevert() external {
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));
        bytes memory signature = _sign(nodeKey, uint64(c.size2), c.root2, STATE_B);
        uint64 size = uint64(c.size2);
        // Each call changes one field against what was signed.
        _expectUnknownSigner(size + 1, c.root2, STATE_B, STATE_SIZE, TIME, signature, c.proof);
        _expectUnknownSigner(size, c.root2, STATE_A, STATE_SIZE, TIME, signature, c.proof);
        _expectUnknownSigner(size, c.root2, STATE_B, STATE_SIZE + 1, TIME, signature, c.proof);
        _expectUnknownSigner(
            size, c.root2, STATE_B, STATE_SIZE, "2026-11-22T01:47:17.000000Z", signature, c.proof
        );
        // Another root than signed: refused on the signature before the proof is checked.
        ConsistencyCase memory other = _case(3, 8);
        _expectUnknownSigner(
            uint64(other.size2), other.root2, STATE_B, STATE_SIZE, TIME, signature, other.proof
        );
        // The exact signed values go through.
        vm.prank(anchorer);
        registry.anchor(size, c.root2, STATE_B, STATE_SIZE, TIME, signature, c.proof);
        (uint64 latestSize,,,) = registry.latest();
        assertEq(latestSize, size);
    }

    function test_checkpointOfAnotherOriginReverts() external {
        // The same key signs a checkpoint of another log: refused here.
        ConsistencyCase memory c = _case(3, 7);
        bytes memory signature = CheckpointReference.sign(
            nodeKey, "tamga.test/another-log", _fields(uint64(c.size1), c.root1, STATE_A)
        );
        _expectUnknownSigner(
            uint64(c.size1), c.root1, STATE_A, STATE_SIZE, TIME, signature, new bytes32[](0)
        );
        RegistryAnchor another =
            new RegistryAnchor(admin, anchorer, nodeSigner, "tamga.test/another-log");
        vm.prank(anchorer);
        another.anchor(
            uint64(c.size1), c.root1, STATE_A, STATE_SIZE, TIME, signature, new bytes32[](0)
        );
    }

    function test_malformedSignaturesRevert() external {
        ConsistencyCase memory c = _case(3, 7);
        bytes memory good = _sign(nodeKey, uint64(c.size1), c.root1, STATE_A);
        (bytes32 r, bytes32 s, uint8 v) = _split(good);
        uint256 order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes[] memory bad = new bytes[](8);
        // The malleable twin (EIP-2): same key, s' = n - s, the other v.
        bad[0] = abi.encodePacked(r, bytes32(order - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        bad[1] = abi.encodePacked(r, s); // 64 bytes (EIP-2098 compact is not accepted)
        bad[2] = abi.encodePacked(r, s, v, uint8(0)); // 66 bytes
        bad[3] = "";
        bad[4] = abi.encodePacked(r, s, uint8(v - 27)); // v as 0/1
        bad[5] = abi.encodePacked(r, s, uint8(29));
        bad[6] = abi.encodePacked(bytes32(0), s, v); // r = 0: nothing recovers
        bad[7] = abi.encodePacked(r, bytes32(0), v); // s = 0
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(RegistryAnchor.InvalidCheckpointSignature.selector);
            vm.prank(anchorer);
            registry.anchor(
                uint64(c.size1), c.root1, STATE_A, STATE_SIZE, TIME, bad[i], new bytes32[](0)
            );
        }
        vm.prank(anchorer);
        registry.anchor(uint64(c.size1), c.root1, STATE_A, STATE_SIZE, TIME, good, new bytes32[](0));
    }

    function test_checkpointKeyRotation() external {
        (address newSigner, uint256 newKey) = makeAddrAndKey("new node checkpoint key");
        ConsistencyCase memory c = _case(3, 7);
        _anchor(uint64(c.size1), c.root1, STATE_A, new bytes32[](0));

        vm.expectEmit(true, false, false, true, address(registry));
        emit CheckpointSignerSet(newSigner, true);
        vm.prank(admin);
        registry.setCheckpointSigner(newSigner, true);
        vm.expectEmit(true, false, false, true, address(registry));
        emit CheckpointSignerSet(nodeSigner, false);
        vm.prank(admin);
        registry.setCheckpointSigner(nodeSigner, false);
        assertTrue(registry.isCheckpointSigner(newSigner));
        assertFalse(registry.isCheckpointSigner(nodeSigner));

        // The old key's checkpoint (even the true next one) is refused now.
        bytes memory old = _sign(nodeKey, uint64(c.size2), c.root2, STATE_B);
        _expectUnknownSignerAddress(nodeSigner, uint64(c.size2), c.root2, old, c.proof);
        // The new key's is accepted.
        bytes memory fresh = _sign(newKey, uint64(c.size2), c.root2, STATE_B);
        vm.prank(anchorer);
        registry.anchor(uint64(c.size2), c.root2, STATE_B, STATE_SIZE, TIME, fresh, c.proof);
        (uint64 size,,,) = registry.latest();
        assertEq(size, c.size2);
    }

    function test_onlyAdminSetsCheckpointSigners() external {
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(_unauthorized(anchorer, adminRole));
        vm.prank(anchorer);
        registry.setCheckpointSigner(stranger, true);
        vm.expectRevert(_unauthorized(nodeSigner, adminRole));
        vm.prank(nodeSigner);
        registry.setCheckpointSigner(stranger, true);
        vm.expectRevert(_unauthorized(pauser, adminRole));
        vm.prank(pauser);
        registry.setCheckpointSigner(nodeSigner, false);
        assertFalse(registry.isCheckpointSigner(stranger));
        assertTrue(registry.isCheckpointSigner(nodeSigner));
        vm.expectRevert(RegistryAnchor.ZeroAddress.selector);
        vm.prank(admin);
        registry.setCheckpointSigner(address(0), true);
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
        _anchorAs(anchorer, size, logRoot, stateRoot, proof);
    }

    /// @dev Anchor from `sender` with a checkpoint signed by the registered node key.
    function _anchorAs(
        address sender,
        uint64 size,
        bytes32 logRoot,
        bytes32 stateRoot,
        bytes32[] memory proof
    ) internal {
        bytes memory signature = _sign(nodeKey, size, logRoot, stateRoot);
        vm.prank(sender);
        registry.anchor(size, logRoot, stateRoot, STATE_SIZE, TIME, signature, proof);
    }

    function _fields(uint64 size, bytes32 logRoot, bytes32 stateRoot)
        internal
        pure
        returns (CheckpointReference.Fields memory)
    {
        return CheckpointReference.Fields(size, logRoot, stateRoot, STATE_SIZE, TIME);
    }

    function _sign(uint256 key, uint64 size, bytes32 logRoot, bytes32 stateRoot)
        internal
        pure
        returns (bytes memory)
    {
        return CheckpointReference.sign(key, ORIGIN, _fields(size, logRoot, stateRoot));
    }

    function _expectUnknownSigner(
        uint64 size,
        bytes32 logRoot,
        bytes32 stateRoot,
        uint64 stateSize,
        bytes27 time,
        bytes memory signature,
        bytes32[] memory proof
    ) internal {
        vm.prank(anchorer);
        try registry.anchor(size, logRoot, stateRoot, stateSize, time, signature, proof) {
            assertTrue(false, "a checkpoint other than signed was accepted");
        } catch (bytes memory reason) {
            // forge-lint: disable-next-line(unsafe-typecast)
            assertEq(bytes4(reason), RegistryAnchor.UnknownCheckpointSigner.selector);
            address recovered;
            assembly {
                recovered := mload(add(reason, 0x24))
            }
            assertTrue(recovered != nodeSigner, "recovered the node key over other values");
        }
    }

    function _expectUnknownSignerAddress(
        address signer,
        uint64 size,
        bytes32 logRoot,
        bytes memory signature,
        bytes32[] memory proof
    ) internal {
        vm.expectRevert(
            abi.encodeWithSelector(RegistryAnchor.UnknownCheckpointSigner.selector, signer)
        );
        vm.prank(anchorer);
        registry.anchor(size, logRoot, STATE_B, STATE_SIZE, TIME, signature, proof);
    }

    function _split(bytes memory signature) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
    }

    function _pythonCheckpoints(string memory json)
        internal
        pure
        returns (PythonCheckpoint[] memory)
    {
        bytes memory data = vm.parseJsonTypeArray(json, ".checkpoints", PYTHON_CHECKPOINT_TYPE);
        return abi.decode(data, (PythonCheckpoint[]));
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
