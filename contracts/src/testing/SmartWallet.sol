// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title SmartWallet
/// @notice A minimal contract wallet answering EIP-1271 `isValidSignature` for one signing key,
///         for Tamga's proof-of-wallet-control tests and demo. Not for use.
contract SmartWallet is IERC1271 {
    /// @notice The key whose ECDSA signatures the wallet accepts.
    address public immutable signer;

    /// @param signer_ The key whose ECDSA signatures the wallet accepts.
    constructor(address signer_) {
        signer = signer_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4 magicValue)
    {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) {
            return IERC1271.isValidSignature.selector;
        }
        return 0xffffffff;
    }
}
