// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title CheckpointReference
/// @notice A plain, independent rebuild of the checkpoint body the node signs
///         (node/checkpoint.py `Checkpoint.body()`, `tamga-checkpoint/v1`) with OpenZeppelin's
///         Strings, and its EIP-191 signature with forge's `vm.sign`: what the tests hold
///         RegistryAnchor's assembly encoder to.
library CheckpointReference {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice One checkpoint's fields (besides the origin, which is the contract's).
    struct Fields {
        uint64 size;
        bytes32 logRoot;
        bytes32 stateRoot;
        uint64 stateSize;
        bytes27 time;
    }

    /// @notice The signed body text.
    function body(string memory origin, Fields memory f) internal pure returns (bytes memory) {
        return bytes(
            string.concat(
                "tamga-checkpoint/v1\norigin ",
                origin,
                "\nsize ",
                Strings.toString(f.size),
                "\nlog_root ",
                _hex(f.logRoot),
                "\nstate_root ",
                _hex(f.stateRoot),
                "\nstate_size ",
                Strings.toString(f.stateSize),
                "\ntime ",
                string(abi.encodePacked(f.time)),
                "\n"
            )
        );
    }

    /// @notice The EIP-191 version 0x45 digest of the body.
    function digest(string memory origin, Fields memory f) internal pure returns (bytes32) {
        return MessageHashUtils.toEthSignedMessageHash(body(origin, f));
    }

    /// @notice The 65-byte (r, s, v) signature of the checkpoint by private key `key`.
    function sign(uint256 key, string memory origin, Fields memory f)
        internal
        pure
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, digest(origin, f));
        return abi.encodePacked(r, s, v);
    }

    function _hex(bytes32 value) private pure returns (string memory) {
        bytes memory text = bytes(Strings.toHexString(uint256(value), 32));
        bytes memory out = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            out[i] = text[i + 2];
        }
        return string(out);
    }
}
