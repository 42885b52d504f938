// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title TokenProxy
/// @notice OpenZeppelin's ERC1967Proxy (EIP-1967 implementation slot) for Tamga's verification
///         tests and demo, in front of a ProxiedToken implementation. Not for use.
contract TokenProxy is ERC1967Proxy {
    /// @param implementation The first implementation.
    /// @param data The initializer call made on it through the proxy.
    constructor(address implementation, bytes memory data)
        payable
        ERC1967Proxy(implementation, data)
    {}
}
