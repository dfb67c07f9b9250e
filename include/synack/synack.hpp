#pragma once
/// \file
/// synack's portable layers in one include: core, tcp, and the in-memory transport.
/// Adapters that touch the operating system (TUN, UDP, pcap) are included on their own.

#include "synack/core/clock.hpp"
#include "synack/core/diagram.hpp"
#include "synack/core/flag_set.hpp"
#include "synack/core/machine.hpp"
#include "synack/core/transition_table.hpp"
#include "synack/core/transport.hpp"
#include "synack/core/verify.hpp"
#include "synack/tcp/checksum.hpp"
#include "synack/tcp/connection.hpp"
#include "synack/tcp/flags.hpp"
#include "synack/tcp/ip.hpp"
#include "synack/tcp/isn.hpp"
#include "synack/tcp/listener.hpp"
#include "synack/tcp/options.hpp"
#include "synack/tcp/segment.hpp"
#include "synack/tcp/sequence.hpp"
#include "synack/tcp/services.hpp"
#include "synack/tcp/table.hpp"
#include "synack/transport/memory.hpp"
#include "synack/transport/observed.hpp"
