// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";

import {EventOnlyAnchor} from "../src/bench/EventOnlyAnchor.sol";
import {RegistryAnchor} from "../src/RegistryAnchor.sol";
import {CheckpointReference} from "./utils/CheckpointReference.sol";
import {Fixtures} from "./utils/Fixtures.sol";

/// @notice Gas of one anchor at a given tree size, with a real consistency proof from the Python
///         log (fixtures "bench": from the previous size that needs the longest proof, "worst",
///         or from 90% of the size, "tenth"), next to the event-only floor.
/// @dev The previous anchor is made in setUp, so the measured call starts from cold storage like
///      a real transaction. `execution` is the gas of the call itself; `transaction` adds what the
///      sender pays on top: 21,000 and calldata (EIP-2028: 4 per zero byte, 16 per other byte;
///      at least the EIP-7623 floor). The issue's budget, 120,000 gas per anchor with the
///      consistency check, is checked on the transaction gas (what the anchoring key pays), at
///      every size measured here, 10^6 included. The checkpoint is signed by the node key and
///      checked on chain (EIP-191), with the node's default origin and a realistic state size
///      and time, so the calldata is what the node sends.
abstract contract AnchorGasBench is Fixtures {
    uint256 internal constant BUDGET = 120_000;
    string internal constant ORIGIN = "tamga.kg/va-emission-register";
    uint64 internal constant STATE_SIZE = 250_000;
    bytes27 internal constant TIME = "2026-11-22T01:47:16.123456Z";

    address internal anchorer = makeAddr("anchorer");
    RegistryAnchor internal registry;
    EventOnlyAnchor internal eventOnly;
    BenchCase internal bench;
    uint256 internal nodeKey;

    function label() internal pure virtual returns (string memory);

    function setUp() external {
        address nodeSigner;
        (nodeSigner, nodeKey) = makeAddrAndKey("node checkpoint key");
        registry = new RegistryAnchor(makeAddr("admin"), anchorer, nodeSigner, ORIGIN);
        eventOnly = new EventOnlyAnchor(anchorer);
        bench = _benchCase(label());
        vm.warp(1_780_000_000);
        bytes memory signature = _sign(uint64(bench.size1), bench.root1, keccak256("s1"));
        vm.prank(anchorer);
        registry.anchor(
            uint64(bench.size1),
            bench.root1,
            keccak256("s1"),
            STATE_SIZE,
            TIME,
            signature,
            new bytes32[](0)
        );
        vm.warp(1_780_086_400);
    }

    function test_registryAnchor() external {
        bytes memory data = _calldata(RegistryAnchor.anchor.selector);
        vm.prank(anchorer);
        (bool ok,) = address(registry).call(data);
        assertTrue(ok, "anchor reverted");
        (uint256 execution, uint256 transaction) = _gas(data);
        _report("RegistryAnchor", execution, transaction);
        assertLe(transaction, BUDGET, "over the gas budget");
    }

    function test_eventOnlyAnchor() external {
        bytes memory data = _calldata(EventOnlyAnchor.anchor.selector);
        vm.prank(anchorer);
        (bool ok,) = address(eventOnly).call(data);
        assertTrue(ok, "anchor reverted");
        (uint256 execution, uint256 transaction) = _gas(data);
        _report("EventOnlyAnchor", execution, transaction);
    }

    /// @dev The same calldata for both contracts (their `anchor` selectors are equal).
    function _calldata(bytes4 selector) private view returns (bytes memory) {
        bytes memory signature = _sign(uint64(bench.size2), bench.root2, keccak256("s2"));
        return abi.encodeWithSelector(
            selector,
            uint64(bench.size2),
            bench.root2,
            keccak256("s2"),
            STATE_SIZE,
            TIME,
            signature,
            bench.proof
        );
    }

    function _sign(uint64 size, bytes32 logRoot, bytes32 stateRoot)
        private
        view
        returns (bytes memory)
    {
        return CheckpointReference.sign(
            nodeKey, ORIGIN, CheckpointReference.Fields(size, logRoot, stateRoot, STATE_SIZE, TIME)
        );
    }

    function _gas(bytes memory data) private view returns (uint256 execution, uint256 transaction) {
        Vm.Gas memory used = vm.lastCallGas();
        execution = used.gasTotalUsed;
        uint256 zeros;
        for (uint256 i; i < data.length; ++i) {
            if (data[i] == 0) ++zeros;
        }
        uint256 nonZeros = data.length - zeros;
        uint256 standard = 21_000 + 4 * zeros + 16 * nonZeros + execution;
        uint256 floor = 21_000 + 10 * (zeros + 4 * nonZeros); // EIP-7623
        transaction = standard > floor ? standard : floor;
    }

    function _report(string memory name, uint256 execution, uint256 transaction) private {
        emit log_named_string("anchor", string.concat(name, " ", bench.label));
        emit log_named_uint("previous size", bench.size1);
        emit log_named_uint("tree size", bench.size2);
        emit log_named_uint("proof hashes", bench.proof.length);
        emit log_named_uint("execution gas", execution);
        emit log_named_uint("transaction gas", transaction);
    }
}

contract AnchorGasWorst10 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "worst-10";
    }
}

contract AnchorGasTenth10 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "tenth-10";
    }
}

contract AnchorGasWorst1e3 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "worst-1000";
    }
}

contract AnchorGasTenth1e3 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "tenth-1000";
    }
}

contract AnchorGasWorst1e6 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "worst-1000000";
    }
}

contract AnchorGasTenth1e6 is AnchorGasBench {
    function label() internal pure override returns (string memory) {
        return "tenth-1000000";
    }
}
