// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RFC9162} from "../src/RFC9162.sol";
import {Fixtures} from "./utils/Fixtures.sol";
import {MerkleReference} from "./utils/MerkleReference.sol";

/// @notice Exposes the library's internal functions to the tests.
contract RFC9162Harness {
    function hashChildren(bytes32 left, bytes32 right) external view returns (bytes32) {
        return RFC9162.hashChildren(left, right);
    }

    function rootFromInclusionProof(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bytes32) {
        return RFC9162.rootFromInclusionProof(index, size, leafHash, proof);
    }

    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external view {
        RFC9162.verifyConsistency(size1, size2, root1, root2, proof);
    }

    function bitLength(uint256 x) external pure returns (uint256) {
        return RFC9162.bitLength(x);
    }

    function popCount(uint256 x) external pure returns (uint256) {
        return RFC9162.popCount(x);
    }

    function trailingZeros(uint256 x) external pure returns (uint256) {
        return RFC9162.trailingZeros(x);
    }
}

/// @notice The Solidity verifiers against proofs made by the Python log (node.merkle), the
///         recursive RFC 9162 definitions, and tampering.
contract RFC9162Test is Fixtures {
    RFC9162Harness internal harness;
    ConsistencyCase[] internal consistencyCases;
    InclusionCase[] internal inclusionCases;

    function setUp() external {
        harness = new RFC9162Harness();
        ConsistencyCase[] memory cc = _consistencyCases();
        for (uint256 i; i < cc.length; ++i) {
            consistencyCases.push(cc[i]);
        }
        InclusionCase[] memory ic = _inclusionCases();
        for (uint256 i; i < ic.length; ++i) {
            inclusionCases.push(ic[i]);
        }
    }

    // --- hashing and bit helpers ---

    function test_hashChildrenKnownAnswer() external view {
        // RFC 6962 test data (transparency-dev/merkle): the root of the two leaves "" and 0x00.
        bytes32 left = sha256(hex"00");
        bytes32 right = sha256(hex"0000");
        assertEq(
            harness.hashChildren(left, right),
            0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
        );
    }

    function testFuzz_hashChildrenIsSha256OfPrefixedPair(bytes32 left, bytes32 right)
        external
        view
    {
        assertEq(
            harness.hashChildren(left, right), sha256(abi.encodePacked(bytes1(0x01), left, right))
        );
    }

    function testFuzz_bitHelpers(uint256 x) external view {
        uint256 len;
        uint256 ones;
        for (uint256 i; i < 256; ++i) {
            if ((x >> i) & 1 == 1) {
                len = i + 1;
                ++ones;
            }
        }
        assertEq(harness.bitLength(x), len, "bitLength");
        assertEq(harness.popCount(x), ones, "popCount");
        if (x != 0) {
            uint256 tz = harness.trailingZeros(x);
            assertEq((x >> tz) & 1, 1, "lowest set bit");
            assertEq(x & ((uint256(1) << tz) - 1), 0, "bits below it are clear");
        } else {
            assertEq(harness.trailingZeros(0), 0);
        }
    }

    // --- consistency (RFC 9162 §2.1.4) ---

    function test_allPythonConsistencyProofsVerify() external view {
        assertGt(consistencyCases.length, 300);
        for (uint256 i; i < consistencyCases.length; ++i) {
            ConsistencyCase memory c = consistencyCases[i];
            harness.verifyConsistency(c.size1, c.size2, c.root1, c.root2, c.proof);
        }
    }

    function test_referenceProofsEqualPythonProofs() external view {
        ConsistencyCase[] memory cases = _consistencyCases();
        bytes32[] memory leaves = _fixtureLeaves(24);
        uint256 checked;
        for (uint256 i; i < cases.length; ++i) {
            ConsistencyCase memory c = cases[i];
            if (c.size2 > 24) continue;
            assertEq(MerkleReference.mth(leaves, 0, c.size1), c.root1, "root1");
            assertEq(MerkleReference.mth(leaves, 0, c.size2), c.root2, "root2");
            bytes32[] memory proof = MerkleReference.consistency(c.size1, leaves, c.size2);
            assertEq(proof, c.proof, "SUBPROOF");
            ++checked;
        }
        assertEq(checked, 24 * 23 / 2, "every pair of sizes up to 24");
    }

    function testFuzz_consistencyAccepted(uint256 pick) external view {
        ConsistencyCase memory c = consistencyCases[bound(pick, 0, consistencyCases.length - 1)];
        harness.verifyConsistency(c.size1, c.size2, c.root1, c.root2, c.proof);
    }

    function testFuzz_consistencyTamperedProofRejected(uint256 pick, uint256 position, uint8 bit)
        external
    {
        ConsistencyCase memory c = consistencyCases[bound(pick, 0, consistencyCases.length - 1)];
        vm.assume(c.proof.length > 0);
        c.proof[position % c.proof.length] ^= bytes32(uint256(1) << bit);
        _expectRootMismatch(c);
    }

    function testFuzz_consistencyTamperedOldRootRejected(uint256 pick, uint8 bit) external {
        ConsistencyCase memory c = consistencyCases[bound(pick, 0, consistencyCases.length - 1)];
        c.root1 ^= bytes32(uint256(1) << bit);
        _expectRootMismatch(c);
    }

    function testFuzz_consistencyTamperedNewRootRejected(uint256 pick, uint8 bit) external {
        ConsistencyCase memory c = consistencyCases[bound(pick, 0, consistencyCases.length - 1)];
        bytes32 wrong = c.root2 ^ bytes32(uint256(1) << bit);
        vm.expectRevert(abi.encodeWithSelector(RFC9162.NewRootMismatch.selector, wrong, c.root2));
        harness.verifyConsistency(c.size1, c.size2, c.root1, wrong, c.proof);
    }

    function testFuzz_consistencyWrongLengthRejected(uint256 pick, bool longer) external {
        ConsistencyCase memory c = consistencyCases[bound(pick, 0, consistencyCases.length - 1)];
        vm.assume(longer || c.proof.length > 0);
        uint256 length = longer ? c.proof.length + 1 : c.proof.length - 1;
        bytes32[] memory proof = new bytes32[](length);
        for (uint256 i; i < length && i < c.proof.length; ++i) {
            proof[i] = c.proof[i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(RFC9162.InvalidProofLength.selector, c.proof.length, length)
        );
        harness.verifyConsistency(c.size1, c.size2, c.root1, c.root2, proof);
    }

    function testFuzz_consistencyInvalidSizesRejected(uint256 size1, uint256 size2) external {
        vm.assume(size1 == 0 || size1 >= size2);
        vm.expectRevert(abi.encodeWithSelector(RFC9162.InvalidTreeSizes.selector, size1, size2));
        harness.verifyConsistency(size1, size2, bytes32(0), bytes32(0), new bytes32[](0));
    }

    function test_consistencyOldRootMismatchReportsBothRoots() external {
        // size1 = 3 is not a power of two: the proof's first hash seeds the old root.
        ConsistencyCase memory c = _find(3, 7);
        c.proof[0] ^= bytes32(uint256(1));
        bytes32 computed = _oldRootFrom(c);
        vm.expectRevert(abi.encodeWithSelector(RFC9162.OldRootMismatch.selector, c.root1, computed));
        harness.verifyConsistency(c.size1, c.size2, c.root1, c.root2, c.proof);
    }

    // --- inclusion (RFC 9162 §2.1.3) ---

    function test_allPythonInclusionProofsVerify() external view {
        assertGt(inclusionCases.length, 150);
        for (uint256 i; i < inclusionCases.length; ++i) {
            InclusionCase memory c = inclusionCases[i];
            assertEq(harness.rootFromInclusionProof(c.index, c.size, c.leafHash, c.proof), c.root);
        }
    }

    function test_referencePathsEqualPythonProofs() external view {
        InclusionCase[] memory cases = _inclusionCases();
        bytes32[] memory leaves = _fixtureLeaves(16);
        uint256 checked;
        for (uint256 i; i < cases.length; ++i) {
            InclusionCase memory c = cases[i];
            if (c.size > 16) continue;
            assertEq(c.leafHash, leaves[c.index], "leaf rule");
            assertEq(MerkleReference.path(c.index, leaves, 0, c.size), c.proof, "PATH");
            ++checked;
        }
        assertEq(checked, 16 * 17 / 2, "every (index, size) up to 16");
    }

    function testFuzz_inclusionAccepted(uint256 pick) external view {
        InclusionCase memory c = inclusionCases[bound(pick, 0, inclusionCases.length - 1)];
        assertEq(harness.rootFromInclusionProof(c.index, c.size, c.leafHash, c.proof), c.root);
    }

    function testFuzz_inclusionTamperedRejected(uint256 pick, uint256 position, uint8 bit)
        external
        view
    {
        InclusionCase memory c = inclusionCases[bound(pick, 0, inclusionCases.length - 1)];
        bytes32 flip = bytes32(uint256(1) << bit);
        if (c.proof.length == 0 || position % 2 == 0) {
            c.leafHash ^= flip;
        } else {
            c.proof[position % c.proof.length] ^= flip;
        }
        assertNotEq(harness.rootFromInclusionProof(c.index, c.size, c.leafHash, c.proof), c.root);
    }

    function testFuzz_inclusionOtherIndexRejected(uint256 pick, uint256 other) external {
        InclusionCase memory c = inclusionCases[bound(pick, 0, inclusionCases.length - 1)];
        vm.assume(c.size > 1);
        uint256 index = bound(other, 0, c.size - 1);
        vm.assume(index != c.index);
        try harness.rootFromInclusionProof(index, c.size, c.leafHash, c.proof) returns (bytes32 r) {
            assertNotEq(r, c.root, "a proof for another index was accepted");
        } catch (bytes memory reason) {
            // The first four bytes of revert data are the error selector (zero if shorter).
            // forge-lint: disable-next-line(unsafe-typecast)
            assertEq(bytes4(reason), RFC9162.InvalidProofLength.selector);
        }
    }

    function testFuzz_inclusionWrongLengthRejected(uint256 pick, bool longer) external {
        InclusionCase memory c = inclusionCases[bound(pick, 0, inclusionCases.length - 1)];
        vm.assume(longer || c.proof.length > 0);
        uint256 length = longer ? c.proof.length + 1 : c.proof.length - 1;
        bytes32[] memory proof = new bytes32[](length);
        vm.expectRevert(
            abi.encodeWithSelector(RFC9162.InvalidProofLength.selector, c.proof.length, length)
        );
        harness.rootFromInclusionProof(c.index, c.size, c.leafHash, proof);
    }

    function testFuzz_inclusionIndexOutOfRangeRejected(uint256 index, uint256 size) external {
        vm.assume(index >= size);
        vm.expectRevert(abi.encodeWithSelector(RFC9162.IndexOutOfRange.selector, index, size));
        harness.rootFromInclusionProof(index, size, bytes32(0), new bytes32[](0));
    }

    // --- helpers ---

    function _expectRootMismatch(ConsistencyCase memory c) private {
        try harness.verifyConsistency(c.size1, c.size2, c.root1, c.root2, c.proof) {
            assertTrue(false, "a tampered consistency proof was accepted");
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
    }

    function _find(uint256 size1, uint256 size2) private view returns (ConsistencyCase memory) {
        for (uint256 i; i < consistencyCases.length; ++i) {
            if (consistencyCases[i].size1 == size1 && consistencyCases[i].size2 == size2) {
                return consistencyCases[i];
            }
        }
        revert("no such fixture case");
    }

    /// @dev The old root that a proof from size1 = 3 to size2 = 7 leads to: H(proof[2], proof[0])
    ///      (proof[0] is leaf 2, the seed; proof[1] its right neighbour leaf 3, which only the new
    ///      tree has; proof[2] the subtree of leaves 0-1 on its left).
    function _oldRootFrom(ConsistencyCase memory c) private pure returns (bytes32) {
        require(c.size1 == 3 && c.size2 == 7, "only for sizes 3 and 7");
        return sha256(abi.encodePacked(bytes1(0x01), c.proof[2], c.proof[0]));
    }
}
