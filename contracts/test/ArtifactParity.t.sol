// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

/// @notice The committed artifacts (anchoring/artifacts, written by scripts/compile_contracts.py
///         with py-solc-x) hold exactly the bytecode forge builds and tests: one pinned compiler,
///         one set of settings. Fails when a contract changed and the artifacts were not rebuilt.
contract ArtifactParityTest is Test {
    function test_registryAnchorArtifactIsForgeBytecode() external view {
        _check("RegistryAnchor", "RegistryAnchor.sol:RegistryAnchor");
    }

    function test_eventOnlyAnchorArtifactIsForgeBytecode() external view {
        _check("EventOnlyAnchor", "EventOnlyAnchor.sol:EventOnlyAnchor");
    }

    function _check(string memory name, string memory forgeArtifact) private view {
        // Relative to the project root, so the gas does not depend on the checkout path.
        string memory json = vm.readFile(string.concat("anchoring/artifacts/", name, ".json"));
        assertEq(vm.parseJsonString(json, ".contract"), name);
        // Compared by hash: a failure prints two hashes, not two copies of the bytecode.
        assertEq(
            keccak256(vm.parseJsonBytes(json, ".deployedBytecode")),
            keccak256(vm.getDeployedCode(forgeArtifact)),
            "deployed bytecode differs: run scripts/compile_contracts.py"
        );
        assertEq(
            keccak256(vm.parseJsonBytes(json, ".bytecode")),
            keccak256(vm.getCode(forgeArtifact)),
            "creation bytecode differs: run scripts/compile_contracts.py"
        );
    }
}
