// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Multicall3
/// @notice Tamga's own implementation of the `aggregate3` and `getEthBalance` functions of the
///         Multicall3 interface (same selectors, structs and semantics), placed at Multicall3's
///         canonical address 0xcA11bde05977b3631167028862bE2a173976CA11 on local chains with
///         anvil's set-code method. Real chains have the original there; Tamga only reads.
contract Multicall3 {
    /// @notice One call: the target, whether it may fail, and its calldata.
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    /// @notice One call's outcome.
    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice Make every call in order; revert if one that may not fail fails.
    /// @param calls The calls.
    /// @return returnData One outcome per call.
    function aggregate3(Call3[] calldata calls)
        external
        payable
        returns (Result[] memory returnData)
    {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata item = calls[i];
            (bool success, bytes memory data) = item.target.call(item.callData);
            if (!success && !item.allowFailure) {
                revert("Multicall3: call failed");
            }
            returnData[i] = Result(success, data);
        }
    }

    /// @notice The ether balance of `addr`.
    /// @param addr The account.
    /// @return balance Its balance in wei.
    function getEthBalance(address addr) external view returns (uint256 balance) {
        balance = addr.balance;
    }
}
