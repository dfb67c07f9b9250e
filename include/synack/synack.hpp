#pragma once
/// \file
/// synack's portable layers in one include: core, tcp, and the in-memory transport.
/// Adapters that touch the operating system (TUN, UDP, pcap) are included on their own.

#include "synack/core/flag_set.hpp"
#include "synack/tcp/flags.hpp"
#include "synack/tcp/services.hpp"
