// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {MerkleReference} from "./MerkleReference.sol";

/// @title Fixtures
/// @notice Loads contracts/test/fixtures/merkle.json: RFC 9162 proofs made by the Python log
///         (node.merkle) with scripts/gen_merkle_fixtures.py.
abstract contract Fixtures is Test {
    struct ConsistencyCase {
        bytes32[] proof;
        bytes32 root1;
        bytes32 root2;
        uint256 size1;
        uint256 size2;
    }

    struct InclusionCase {
        uint256 index;
        bytes32 leafHash;
        bytes32[] proof;
        bytes32 root;
        uint256 size;
    }

    struct BenchCase {
        string label;
        bytes32[] proof;
        bytes32 root1;
        bytes32 root2;
        uint256 size1;
        uint256 size2;
    }

    string internal constant FIXTURE_PATH = "contracts/test/fixtures/merkle.json";
    string private constant CONSISTENCY_TYPE =
        "ConsistencyCase(bytes32[] proof,bytes32 root1,bytes32 root2,uint256 size1,uint256 size2)";
    string private constant INCLUSION_TYPE =
        "InclusionCase(uint256 index,bytes32 leafHash,bytes32[] proof,bytes32 root,uint256 size)";
    string private constant BENCH_TYPE =
        "BenchCase(string label,bytes32[] proof,bytes32 root1,bytes32 root2,uint256 size1,uint256 size2)";

    function _fixtureJson() internal view returns (string memory) {
        // Relative to the project root; not vm.projectRoot(), whose length (and so the gas of
        // these tests in .gas-snapshot) depends on where the repository is checked out.
        return vm.readFile(FIXTURE_PATH);
    }

    function _consistencyCases() internal view returns (ConsistencyCase[] memory) {
        bytes memory data = vm.parseJsonTypeArray(_fixtureJson(), ".consistency", CONSISTENCY_TYPE);
        return abi.decode(data, (ConsistencyCase[]));
    }

    function _inclusionCases() internal view returns (InclusionCase[] memory) {
        bytes memory data = vm.parseJsonTypeArray(_fixtureJson(), ".inclusion", INCLUSION_TYPE);
        return abi.decode(data, (InclusionCase[]));
    }

    function _benchCase(string memory label) internal view returns (BenchCase memory) {
        bytes memory data = vm.parseJsonTypeArray(_fixtureJson(), ".bench", BENCH_TYPE);
        BenchCase[] memory cases = abi.decode(data, (BenchCase[]));
        for (uint256 i; i < cases.length; ++i) {
            if (keccak256(bytes(cases[i].label)) == keccak256(bytes(label))) return cases[i];
        }
        revert(string.concat("no bench case ", label));
    }

    /// @notice The fixture's leaf hash number i (the leafRule of merkle.json).
    function _fixtureLeaf(uint256 i) internal pure returns (bytes32) {
        return MerkleReference.leafHash(abi.encodePacked("tamga-fixture-leaf-", vm.toString(i)));
    }

    function _fixtureLeaves(uint256 count) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = _fixtureLeaf(i);
        }
    }
}
