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
        string memory json =
            vm.readFile(string.concat(vm.projectRoot(), "/anchoring/artifacts/", name, ".json"));
        assertEq(vm.parseJsonString(json, ".contract"), name);
        assertEq(
            vm.parseJsonBytes(json, ".deployedBytecode"),
            vm.getDeployedCode(forgeArtifact),
            "deployed bytecode differs: run scripts/compile_contracts.py"
        );
        assertEq(
            vm.parseJsonBytes(json, ".bytecode"),
            vm.getCode(forgeArtifact),
            "creation bytecode differs: run scripts/compile_contracts.py"
        );
    }
}
